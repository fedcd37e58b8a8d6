import { describe, expect, it } from 'vitest';
import { disconnectNote } from './disconnectNote.ts';

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
