import { describe, expect, it } from 'vitest';
import { passwordProblems, type PasswordField } from './passwordChange.ts';

const typing = { submitted: false, left: new Set<PasswordField>() };
const leftAll = { submitted: false, left: new Set<PasswordField>(['current', 'next', 'repeat']) };
const submitted = { submitted: true, left: new Set<PasswordField>() };

describe('change-password checks', () => {
  it('accepts a long enough new password typed twice', () => {
    expect(passwordProblems({ current: 'old', next: 'new-secret-pw', repeat: 'new-secret-pw' }, submitted)).toEqual({});
  });

  it('says a short new password is too short once the field is left', () => {
    expect(passwordProblems({ current: '', next: 'short', repeat: '' }, typing)).toEqual({});
    expect(passwordProblems({ current: '', next: 'short', repeat: '' }, leftAll)).toEqual({ next: 'must be at least 12 characters' });
  });

  it('says the repeat differs as soon as that is certain', () => {
    expect(passwordProblems({ current: '', next: 'new-secret-pw', repeat: 'new-' }, typing)).toEqual({});
    expect(passwordProblems({ current: '', next: 'new-secret-pw', repeat: 'new-secret-px' }, typing)).toEqual({
      repeat: 'does not match the new password',
    });
    expect(passwordProblems({ current: '', next: 'new-secret-pw', repeat: 'new-' }, leftAll)).toEqual({
      repeat: 'does not match the new password',
    });
  });

  it('asks for every empty field on submit', () => {
    expect(passwordProblems({ current: '', next: '', repeat: '' }, submitted)).toEqual({
      current: 'enter your current password',
      next: 'enter a new password',
      repeat: 'type the new password again',
    });
  });
});
