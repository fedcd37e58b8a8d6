import { describe, expect, it } from 'vitest';
import { ApiError } from './client.ts';
import { fieldProblems, friendlyProblem, unplacedProblems } from './fieldErrors.ts';

const invalid = (details: unknown) => new ApiError(400, 'invalid_input', 'The request body is invalid.', details);

describe('field problems from a 400', () => {
  it('keys each problem by the field the form shows', () => {
    const p = fieldProblems(
      invalid([
        { field: 'name', problem: 'Too small: expected string to have >=1 characters' },
        { field: 'groups.0', problem: 'Too big: expected string to have <=64 characters' },
        { field: '(root)', problem: 'Unrecognized key: "extra"' },
      ]),
    );
    expect(p.byField).toEqual({ name: 'must not be empty', groups: 'must be at most 64 characters' });
    expect(p.other).toEqual(['Unrecognized key: "extra"']);
  });

  it('words schema messages for people, with limits in the field’s own units', () => {
    const asDays = (field: string, n: number): string => (field.endsWith('S') ? `${n / 86400} d` : String(n));
    expect(friendlyProblem('Too small: expected number to be >=1', 'maxPerUser')).toBe('must be at least 1');
    expect(friendlyProblem('Too big: expected number to be <=2592000', 'idleTimeoutS', asDays)).toBe('must be at most 30 d');
    expect(friendlyProblem('Too small: expected number to be >0')).toBe('must be more than 0');
    expect(friendlyProblem('Invalid input: expected int, received number')).toBe('must be a whole number');
    expect(friendlyProblem('Invalid option: expected one of "vnc"|"rdp"')).toBe('must be one of vnc, rdp');
    expect(friendlyProblem('Something new')).toBe('Something new');
  });

  it('lists what the form cannot place, and ignores errors without details', () => {
    const p = fieldProblems(
      invalid([
        { field: 'cpu', problem: 'x' },
        { field: 'name', problem: 'y' },
      ]),
    );
    expect(unplacedProblems(p, ['name'])).toEqual(['cpu: x']);
    expect(fieldProblems(new Error('boom'))).toEqual({ byField: {}, other: [] });
  });
});
