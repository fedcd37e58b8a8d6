// What the viewer tells the person when the display goes away: "You disconnected" from the pool's
// disconnect grace, and the final words for a display the gateway closed because access was taken
// away (close codes of contract/display.ts).
import { DisplayClose } from '../../../../contract/display.ts';
import { formatDuration } from '../duration.ts';

export function disconnectNote(graceS: number | undefined): string {
  if (graceS === undefined) return 'Your desktop keeps running for a while. Reconnect to carry on where you left off.';
  if (graceS <= 0) return 'Your desktop shuts down in a few seconds unless someone is connected to it. Reconnect right away to keep it.';
  return `Your desktop keeps running for ${formatDuration(graceS, { long: true })}; reconnect before then to continue where you left off.`;
}

export interface EndNote {
  title: string;
  text: string;
}

const ACCESS_NOTES: Readonly<Record<number, EndNote>> = {
  // The account was disabled or deleted: nothing to reconnect to, no sign-in either.
  [DisplayClose.AccountDisabled]: {
    title: 'Your account was disabled',
    text: 'An administrator disabled your account, so this desktop was closed and its session ended. Ask your administrator if you think this is a mistake.',
  },
  // The person's groups or role no longer allow this desktop (or this shadow).
  [DisplayClose.AccessRevoked]: {
    title: 'You no longer have access to this desktop',
    text: 'Your groups or role changed, so this desktop was closed and its session ended. Ask your administrator if you still need it.',
  },
};

/** The final note for a display the gateway closed with `code`, or undefined when the close is not about access. */
export function accessEndedNote(code: number | undefined): EndNote | undefined {
  return code === undefined ? undefined : ACCESS_NOTES[code];
}
