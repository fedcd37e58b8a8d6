// The edge's one validation helper: a schema's 400 with the fields, and NUL characters refused in any text.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { DomainError } from '../errors.ts';
import { parse } from './validate.ts';

const Body = z.object({ name: z.string(), tags: z.array(z.string()).optional(), meta: z.record(z.string(), z.string()).optional() });

function refusal(input: unknown): DomainError {
  try {
    parse(Body, input);
  } catch (err) {
    if (err instanceof DomainError) return err;
    throw err;
  }
  throw new Error('not refused');
}

describe('parse', () => {
  it('passes a valid body through, typed', () => {
    expect(parse(Body, { name: 'ann', tags: ['a'] })).toEqual({ name: 'ann', tags: ['a'] });
  });

  it('refuses text with a NUL character anywhere, naming the field, before the schema', () => {
    expect(refusal({ name: 'an\u0000n' }).details).toEqual([{ field: 'name', problem: 'must not contain NUL characters' }]);
    expect(refusal({ name: 'ann', tags: ['ok', 'b\u0000'] }).details).toEqual([
      { field: 'tags.1', problem: 'must not contain NUL characters' },
    ]);
    expect(refusal({ name: 'ann', meta: { 'k\u0000': 'v' } }).message).toMatch(/meta\.k\u0000 must not contain NUL/);
    expect(refusal('\u0000').kind).toBe('invalid');
  });

  it('lists the schema’s problems otherwise', () => {
    expect(refusal({ name: 5 }).message).toMatch(/^Please check the request body: name /);
  });
});
