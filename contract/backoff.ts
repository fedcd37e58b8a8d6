// The agreed retry schedule: capped exponential backoff with jitter, so a fleet of agents that lost
// the gateway at once does not reconnect in lockstep. Agents use it to redial the gateway; the
// gateway uses it (with its own base and cap) to retry warm spares that keep failing.
export function nextDelay(attempt: number, baseMs = 500, capMs = 30_000, random: () => number = Math.random): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.min(attempt, 16));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
