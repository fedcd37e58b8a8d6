import { describe, expect, it } from 'vitest';
import { DomainError } from '../errors.ts';
import { assertPasswordAllowed, passwordProblems } from './password-policy.ts';

const policy = { minLength: 12 };

describe('password policy', () => {
  it('accepts a long, uncommon password', () => {
    expect(passwordProblems('correct horse battery staple', 'alice', policy)).toEqual([]);
  });

  it('needs the configured minimum, counted in characters a person sees', () => {
    expect(passwordProblems('short-pw', 'alice', policy)).toEqual(['must be at least 12 characters']);
    expect(passwordProblems('short-pw', 'alice', { minLength: 8 })).toEqual([]);
    expect(passwordProblems('🔑🔑🔑🔑🔑🔑🔑🔑🔑🔑🔑x', 'alice', policy)).toEqual([]);
  });

  it('caps the length at 256', () => {
    expect(passwordProblems('x1'.repeat(129), 'alice', policy)).toContain('must be at most 256 characters');
  });

  it('refuses the username whatever the case, but not a passphrase that mentions it', () => {
    expect(passwordProblems('Margaret.Hamilton', 'margaret.hamilton', policy)).toEqual(['must not be your username']);
    expect(passwordProblems('alice-winter-harbour', 'alice', policy)).toEqual([]);
  });

  it('refuses one character repeated, and the most common passwords even when long enough', () => {
    expect(passwordProblems('aaaaaaaaaaaaaa', 'bob', policy)).toContain('must not be one character repeated');
    for (const common of ['password1234', 'Qwertyuiop123', '123456789012']) {
      expect(passwordProblems(common, 'bob', policy)).toContain('is one of the most common passwords; choose another');
    }
    expect(passwordProblems('password', 'bob', { minLength: 8 })).toEqual(['is one of the most common passwords; choose another']);
  });

  it('turns problems into an invalid-input error listing the field', () => {
    let err: unknown;
    try {
      assertPasswordAllowed('short', 'bob', policy, 'newPassword');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DomainError);
    expect(err).toMatchObject({
      kind: 'invalid',
      code: 'invalid_input',
      details: [{ field: 'newPassword', problem: 'must be at least 12 characters' }],
    });
  });
});
