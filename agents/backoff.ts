// Reconnect delays: capped exponential backoff with full jitter, so a fleet of agents that lost
// the gateway at once does not reconnect in lockstep.
export function nextDelay(attempt: number, baseMs = 500, capMs = 30_000, random: () => number = Math.random): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.min(attempt, 16));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
