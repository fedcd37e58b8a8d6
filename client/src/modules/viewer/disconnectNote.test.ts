import { describe, expect, it } from 'vitest';
import { DisplayClose } from '../../../../contract/display.ts';
import { accessEndedNote, disconnectNote } from './disconnectNote.ts';

describe('the disconnect note', () => {
  it('says how long the desktop waits, in words', () => {
    expect(disconnectNote(600)).toBe('Your desktop keeps running for 10 minutes; reconnect before then to continue where you left off.');
    expect(disconnectNote(5400)).toContain('for 1 hour 30 minutes;');
    expect(disconnectNote(45)).toContain('for 45 seconds;');
    expect(disconnectNote(86400)).toContain('for 1 day;');
  });

  it('stays vague when the grace is unknown, and warns when there is none', () => {
    expect(disconnectNote(undefined)).toBe('Your desktop keeps running for a while. Reconnect to carry on where you left off.');
    expect(disconnectNote(0)).toContain('shuts down');
  });
});

describe('the note for a display closed because access was taken away', () => {
  it('says the account was disabled, or that access is gone, when the gateway closed for that', () => {
    expect(accessEndedNote(DisplayClose.AccountDisabled)).toEqual({
      title: 'Your account was disabled',
      text: expect.stringContaining('Ask your administrator'),
    });
    expect(accessEndedNote(DisplayClose.AccountDisabled)?.text).not.toMatch(/reconnect/i);
    expect(accessEndedNote(DisplayClose.AccessRevoked)?.title).toBe('You no longer have access to this desktop');
  });

  it('has nothing to say about other closes (they reconnect or end as before)', () => {
    for (const code of [
      undefined,
      DisplayClose.Normal,
      1006,
      DisplayClose.SessionEnded,
      DisplayClose.ShadowEnded,
      DisplayClose.DesktopUnreachable,
    ])
      expect(accessEndedNote(code)).toBeUndefined();
  });
});
