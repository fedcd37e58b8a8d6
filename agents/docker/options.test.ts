// The docker driver's options are defaulted and checked once (including the unix socket path cap),
// and a spec's cpu, memory and image are refused with a message naming the field.
import { describe, expect, it } from 'vitest';
import type { DesktopSpec } from '../driver.ts';
import { checkDockerSpec, resolveOptions, SOCKET_SUFFIX_LENGTH } from './options.ts';

const good: DesktopSpec = { desktopId: 'd-1', secret: 'secret12', persistence: 'pooled' };

describe('resolveOptions', () => {
  it('fills defaults', () => {
    expect(resolveOptions({ stateDir: '/var/lib/deskport/agent' })).toMatchObject({
      socketPath: '/var/run/docker.sock',
      image: 'deskport-desktop:latest',
      namePrefix: 'deskport-',
      startTimeoutMs: 20_000,
      pidsLimit: 1024,
    });
  });

  it('takes a stateDir as long as the socket path allows, and not one byte more', () => {
    const longest = `/${'s'.repeat(107 - SOCKET_SUFFIX_LENGTH - 1)}`;
    expect(() => resolveOptions({ stateDir: longest })).not.toThrow();
    expect(() => resolveOptions({ stateDir: `${longest}x` })).toThrow(/at most \d+ bytes/);
  });

  it.each([
    [{ stateDir: 'relative/dir' }, /stateDir/],
    [{ stateDir: '/d', socketPath: 'docker.sock' }, /socketPath/],
    [{ stateDir: '/d', namePrefix: 'Deskport ' }, /namePrefix/],
    [{ stateDir: '/d', startTimeoutMs: 0 }, /startTimeoutMs/],
    [{ stateDir: '/d', pidsLimit: 1 }, /pidsLimit/],
  ])('refuses %j', (options, message) => {
    expect(() => resolveOptions(options)).toThrow(message);
  });
});

describe('checkDockerSpec', () => {
  it('accepts a plain spec, and one with limits and an image', () => {
    expect(() => checkDockerSpec(good)).not.toThrow();
    expect(() => checkDockerSpec({ ...good, cpu: 0.5, memoryMb: 1024, image: 'registry.example/desk:1.2' })).not.toThrow();
  });

  it.each([
    [{ desktopId: '../x' }, /desktopId/],
    [{ persistence: 'personal' as const }, /homeKey/],
    [{ cpu: 0 }, /cpu/],
    [{ cpu: Number.NaN }, /cpu/],
    [{ memoryMb: 10 }, /memoryMb/],
    [{ memoryMb: 512.5 }, /memoryMb/],
    [{ image: '--privileged' }, /image/],
    [{ image: '' }, /image/],
  ])('refuses %j, naming the field', (over, message) => {
    expect(() => checkDockerSpec({ ...good, ...over })).toThrow(message);
  });
});
