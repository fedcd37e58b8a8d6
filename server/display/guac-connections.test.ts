import { describe, expect, it } from 'vitest';
import { createGuacConnections } from './guac-connections.ts';

describe('guac connections registry', () => {
  it('names the newest live owner display, and falls back when it closes', () => {
    const c = createGuacConnections();
    expect(c.current('s1')).toBeNull();
    c.add('s1', '$a');
    c.add('s1', '$b');
    expect(c.current('s1')).toBe('$b');
    c.remove('s1', '$b');
    expect(c.current('s1')).toBe('$a');
    c.remove('s1', '$a');
    c.remove('s1', '$a');
    expect(c.current('s1')).toBeNull();
  });

  it('is bounded in sessions and displays per session', () => {
    const c = createGuacConnections({ maxSessions: 2, maxPerSession: 2 });
    c.add('s1', '$1');
    c.add('s2', '$2');
    c.add('s3', '$3');
    expect(c.current('s1')).toBeNull();
    expect(c.current('s3')).toBe('$3');
    for (const id of ['$x', '$y', '$z']) c.add('s3', id);
    c.remove('s3', '$z');
    c.remove('s3', '$y');
    expect(c.current('s3')).toBeNull();
  });
});
