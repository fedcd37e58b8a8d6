// Field-level problems from a 400's `details` (`[{field, problem}]`, API.md "Errors"), keyed by
// the form field they belong to and worded for people rather than for schema authors.
import { isApiError } from './client.ts';

export interface FieldProblems {
  /** Top-level field name (`groups.0` → `groups`) → one sentence fragment, e.g. "must be at least 1". */
  byField: Record<string, string>;
  /** Problems that belong to no field the form shows, as "field: problem". */
  other: string[];
}

/** Renders a numeric limit for a field, e.g. seconds as "30 d"; numbers as-is by default. */
export type LimitFormat = (field: string, n: number) => string;

const plain: LimitFormat = (_field, n) => String(n);

/** Rewords the gateway's schema messages ("Too small: expected number to be >=1"). */
export function friendlyProblem(problem: string, field = '', limit: LimitFormat = plain): string {
  let m = /^Too small: expected string to have >=(\d+) characters?$/.exec(problem);
  if (m) return m[1] === '1' ? 'must not be empty' : `must be at least ${m[1]} characters`;
  m = /^Too big: expected string to have <=(\d+) characters?$/.exec(problem);
  if (m) return `must be at most ${m[1]} characters`;
  m = /^Too small: expected number to be >(=?)(-?[\d.]+)$/.exec(problem);
  if (m) return m[1] ? `must be at least ${limit(field, Number(m[2]))}` : `must be more than ${limit(field, Number(m[2]))}`;
  m = /^Too big: expected number to be <(=?)(-?[\d.]+)$/.exec(problem);
  if (m) return m[1] ? `must be at most ${limit(field, Number(m[2]))}` : `must be less than ${limit(field, Number(m[2]))}`;
  m = /^Too big: expected array to have <=(\d+) items?$/.exec(problem);
  if (m) return `may list at most ${m[1]}`;
  if (/^Invalid input: expected int, received number$/.test(problem)) return 'must be a whole number';
  m = /^Invalid input: expected (\w+), received (\w+)$/.exec(problem);
  if (m) return m[2] === 'undefined' ? 'is required' : `must be a ${m[1]}`;
  m = /^Invalid option: expected one of (.+)$/.exec(problem);
  if (m) return `must be one of ${m[1]!.replaceAll('"', '').split('|').join(', ')}`;
  return problem;
}

export function fieldProblems(e: unknown, limit: LimitFormat = plain): FieldProblems {
  const result: FieldProblems = { byField: {}, other: [] };
  if (!isApiError(e) || !Array.isArray(e.details)) return result;
  for (const d of e.details as unknown[]) {
    if (typeof d === 'string') {
      result.other.push(d);
      continue;
    }
    if (typeof d !== 'object' || d === null) continue;
    const { field, path, problem, message } = d as { field?: unknown; path?: unknown; problem?: unknown; message?: unknown };
    const where = typeof field === 'string' ? field : Array.isArray(path) ? path.join('.') : '';
    const what = typeof problem === 'string' ? problem : typeof message === 'string' ? message : undefined;
    if (what === undefined) continue;
    const top = where.split('.')[0] ?? '';
    const text = friendlyProblem(what, top, limit);
    if (!top || top === '(root)') result.other.push(text);
    else result.byField[top] = result.byField[top] ? `${result.byField[top]}; ${text}` : text;
  }
  return result;
}

/** Field problems the form has no input for, as readable lines. */
export function unplacedProblems(problems: FieldProblems, shown: readonly string[]): string[] {
  const extra = Object.entries(problems.byField)
    .filter(([field]) => !shown.includes(field.split('.')[0]!))
    .map(([field, text]) => `${field}: ${text}`);
  return [...extra, ...problems.other];
}
