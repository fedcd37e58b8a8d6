// The fake passes the shared driver contract (without streams or persistence) and plays back its
// script: delayed success, failure, a hang that only the caller's abort ends.
import { describe, expect, it } from 'vitest';
import { runDriverContract } from '../driver.contract.ts';
import type { DesktopSpec } from '../driver.ts';
import { createFakeDriver } from './driver.ts';

runDriverContract('fake', async () => ({ driver: createFakeDriver(), cleanup: async () => {} }), {
  streams: false,
  persistsAcrossInstances: false,
});

const spec = (desktopId: string): DesktopSpec => ({ desktopId, secret: 'secret12', persistence: 'pooled' });

/** A delay the test releases by hand, so "after N ms" needs no real time. */
function manualDelay() {
  const waiting: { ms: number; release: () => void }[] = [];
  return {
    waiting,
    delay: (ms: number) => new Promise<void>((release) => waiting.push({ ms, release })),
  };
}

describe('fake driver', () => {
  it('succeeds only once the scripted delay has passed', async () => {
    const clock = manualDelay();
    const driver = createFakeDriver({ delay: clock.delay, now: () => 1234 });
    driver.scriptCreate({ kind: 'succeed', afterMs: 800 });
    const pending = driver.create(spec('d1'));
    await Promise.resolve();
    expect(clock.waiting.map((w) => w.ms)).toEqual([800]);
    expect(await driver.inspect('d1')).toBeNull();
    clock.waiting[0]?.release();
    expect(await pending).toEqual({ desktopId: 'd1', state: 'running', startedAt: 1234 });
  });

  it('fails with the scripted message and keeps nothing', async () => {
    const driver = createFakeDriver();
    driver.scriptCreate({ kind: 'fail', message: 'no capacity' });
    await expect(driver.create(spec('d1'))).rejects.toThrow('no capacity');
    expect(await driver.list()).toEqual([]);
  });

  it('hangs until the caller aborts, then rejects with the reason', async () => {
    const driver = createFakeDriver();
    driver.scriptCreate({ kind: 'hang' });
    const ac = new AbortController();
    const pending = driver.create(spec('d1'), ac.signal);
    ac.abort(new Error('broker timeout'));
    await expect(pending).rejects.toThrow('broker timeout');
    expect(await driver.inspect('d1')).toBeNull();
  });

  it('plays scripted outcomes in order, then the default', async () => {
    const driver = createFakeDriver();
    driver.scriptCreate({ kind: 'fail', message: 'first' }, { kind: 'succeed' });
    await expect(driver.create(spec('a'))).rejects.toThrow('first');
    await expect(driver.create(spec('b'))).resolves.toMatchObject({ state: 'running' });
    await expect(driver.create(spec('c'))).resolves.toMatchObject({ state: 'running' });
  });

  it('a failed destroy keeps the desktop; a crash reports it stopped', async () => {
    const driver = createFakeDriver();
    await driver.create(spec('d1'));
    driver.scriptDestroy({ kind: 'fail', message: 'host busy' });
    await expect(driver.destroy('d1')).rejects.toThrow('host busy');
    driver.crash('d1');
    expect(await driver.inspect('d1')).toMatchObject({ state: 'stopped' });
    await driver.destroy('d1');
    expect(await driver.inspect('d1')).toBeNull();
  });

  it('cannot be displayed, and records every call', async () => {
    const driver = createFakeDriver();
    await expect(driver.openStream('d1')).rejects.toThrow(/no display/);
    expect(driver.calls).toEqual([{ op: 'openStream', desktopId: 'd1' }]);
    await expect(driver.openStream('d1', 'rdp')).rejects.toMatchObject({ code: 'unsupported_channel' });
  });
});
