// What "You disconnected" tells the person about their desktop, from the pool's disconnect grace.
import { formatDuration } from '../duration.ts';

export function disconnectNote(graceS: number | undefined): string {
  if (graceS === undefined) return 'Your desktop keeps running for a while. Reconnect to carry on where you left off.';
  if (graceS <= 0) return 'Your desktop shuts down in a few seconds unless someone is connected to it. Reconnect right away to keep it.';
  return `Your desktop keeps running for ${formatDuration(graceS, { long: true })}; reconnect before then to continue where you left off.`;
}
