// Which passwords local accounts may have: a configurable minimum length (12 by default), at most
// 256 characters, not the username, not one repeated character, and not one of
// the most common passwords. Applied on create, admin reset and self-service change; each problem
// becomes a field error in the 400 the routes answer.
import { invalid } from '../errors.ts';
import { COMMON_PASSWORDS } from './common-passwords.ts';

export const DEFAULT_MIN_PASSWORD_LENGTH = 12;
export const MAX_PASSWORD_LENGTH = 256;

export interface PasswordPolicy {
  minLength: number;
}

/** Problems with a password, as sentence fragments ("must be at least 12 characters"); empty = fine. */
export function passwordProblems(password: string, username: string, policy: PasswordPolicy): string[] {
  const problems: string[] = [];
  const min = Math.max(1, policy.minLength);
  // Length in code points, so an emoji counts as one character, as a person would count it.
  const length = [...password].length;
  if (length < min) problems.push(`must be at least ${min} characters`);
  if (length > MAX_PASSWORD_LENGTH) problems.push(`must be at most ${MAX_PASSWORD_LENGTH} characters`);
  const lower = password.toLowerCase();
  const name = username.toLowerCase();
  // Equality only: "alice-winter-harbour" is a fine password for alice, and a contains-rule would
  // reject many a passphrase that merely mentions a short username.
  if (name && lower === name) problems.push('must not be your username');
  if (length > 0 && new Set(password).size === 1) problems.push('must not be one character repeated');
  if (COMMON_PASSWORDS.has(lower)) problems.push('is one of the most common passwords; choose another');
  return problems;
}

/** Throws the API's 400 with `field` listed when the password breaks the policy. */
export function assertPasswordAllowed(password: string, username: string, policy: PasswordPolicy, field = 'password'): void {
  const problems = passwordProblems(password, username, policy);
  if (problems.length === 0) return;
  throw invalid(
    `Please choose another password: it ${problems.join('; it ')}.`,
    problems.map((problem) => ({ field, problem })),
  );
}
