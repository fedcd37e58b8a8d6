// Options are defaulted and checked once; a bad spec is refused before anything is allocated, with a
// message naming the field. Home directory names never collide.
import { describe, expect, it } from 'vitest';
import type { DesktopSpec } from '../driver.ts';
import { homeDirName } from './layout.ts';
import { checkSpec, resolveOptions } from './options.ts';

const good: DesktopSpec = { desktopId: 'd-1', secret: 'secret12', persistence: 'pooled' };

describe('resolveOptions', () => {
  it('fills defaults', () => {
    expect(resolveOptions({ dataDir: '/var/lib/deskport' })).toMatchObject({
      displayBase: 20,
      pidsLimit: 1024,
      resourceLimits: 'auto',
      uidBase: 2_000_000_000,
      sandbox: 'bwrap',
      sessionNetwork: 'none',
      startTimeoutMs: 10_000,
    });
  });

  it.each([
    [{ dataDir: 'relative/dir' }, /dataDir/],
    [{ dataDir: '/d', displayBase: 30_000, displayCount: 2_800 }, /32767/],
    [{ dataDir: `/${'d'.repeat(80)}` }, /dataDir must be at most 80 bytes/],
    [{ dataDir: '/d', pidsLimit: 8 }, /pidsLimit/],
    [{ dataDir: '/d', resourceLimits: 'cgroup' as 'auto' }, /resourceLimits/],
    [{ dataDir: '/d', cgroupParent: '/tmp/x' }, /cgroupParent/],
    [{ dataDir: '/d', uidBase: 0 }, /uidBase/],
    [{ dataDir: '/d', sandbox: 'docker' as 'none' }, /sandbox/],
  ])('refuses %j', (options, message) => {
    expect(() => resolveOptions(options)).toThrow(message);
  });
});

describe('checkSpec', () => {
  it('accepts a plain pooled spec', () => {
    expect(() => checkSpec(good)).not.toThrow();
  });

  it.each([
    [{ desktopId: '../etc' }, /desktopId/],
    [{ desktopId: 'A' }, /desktopId/],
    [{ secret: 'short' }, /secret/],
    [{ persistence: 'forever' }, /persistence/],
    [{ persistence: 'personal' }, /homeKey/],
    [{ width: 100 }, /width/],
    [{ height: 1.5 }, /height/],
  ])('refuses %j', (over, message) => {
    expect(() => checkSpec({ ...good, ...over } as DesktopSpec)).toThrow(message);
  });
});

describe('homeDirName', () => {
  it('keeps safe keys readable and hashes the rest into a name no safe key can take', () => {
    expect(homeDirName('user-42')).toBe('user-42');
    expect(homeDirName('../../etc')).toMatch(/^k\.[0-9a-f]{40}$/);
    expect(homeDirName('a.b')).not.toBe(homeDirName('a_b'));
    expect(homeDirName('alice@example.org')).not.toContain('/');
  });
});
