// The file panel's transfer list: progress and speed, outcomes, a bounded list, breadcrumbs.
import { describe, expect, it } from 'vitest';
import { crumbs, finished, MAX_FINISHED, progressed, started, type Transfer } from './transferList.ts';

const t0 = { direction: 'upload' as const, name: 'a.bin', path: 'Downloads', total: 1000, startedAt: 1000 };

describe('transfer list', () => {
  it('tracks progress and speed, and completes at the total', () => {
    let l = started([], { ...t0, id: 1 });
    l = progressed(l, 1, 500, 2000);
    expect(l[0]).toMatchObject({ loaded: 500, speed: 500, state: 'running' });
    l = finished(l, 1, { state: 'done' });
    expect(l[0]).toMatchObject({ loaded: 1000, state: 'done' });
    expect(progressed(l, 1, 10, 3000)[0]!.loaded).toBe(1000); // a late progress event does not reopen it
  });

  it('names an upload as the desktop stored it, keeping the name asked for', () => {
    const l = finished(started([], { ...t0, id: 3, name: 'report.pdf' }), 3, { state: 'done', name: 'report (1).pdf' });
    expect(l[0]).toMatchObject({ name: 'report (1).pdf', requestedName: 'report.pdf' });
    const same = finished(started([], { ...t0, id: 4, name: 'a.txt' }), 4, { state: 'done', name: 'a.txt' });
    expect(same[0]!.requestedName).toBeUndefined();
  });

  it('a download of unknown size ends at what arrived; a cancel keeps what it left behind', () => {
    let l = progressed(started([], { ...t0, id: 5, total: 0 }), 5, 4096, 2000);
    l = finished(l, 5, { state: 'done' });
    expect(l[0]).toMatchObject({ loaded: 4096, total: 4096 });
    const c = finished(started([], { ...t0, id: 6 }), 6, { state: 'cancelled', note: 'Cancelled: “a.bin” on the machine holds only…' });
    expect(c[0]).toMatchObject({ state: 'cancelled', note: expect.stringMatching(/holds only/) });
  });

  it('keeps the error of a failed transfer', () => {
    const l = finished(started([], { ...t0, id: 2 }), 2, { state: 'failed', error: 'Too large: this pool allows files up to 100 MB.' });
    expect(l[0]).toMatchObject({ state: 'failed', error: expect.stringMatching(/Too large/) });
  });

  it('keeps at most MAX_FINISHED finished entries, and every running one', () => {
    let l: Transfer[] = [];
    for (let i = 0; i < MAX_FINISHED + 5; i++) l = finished(started(l, { ...t0, id: i }), i, { state: 'done' });
    l = started(l, { ...t0, id: 999 });
    expect(l.filter((x) => x.state !== 'running')).toHaveLength(MAX_FINISHED);
    expect(l[0]!.id).toBe(999);
  });

  it('makes breadcrumbs from a path', () => {
    expect(crumbs('')).toEqual([{ name: 'Home', path: '' }]);
    expect(crumbs('Downloads/x')).toEqual([
      { name: 'Home', path: '' },
      { name: 'Downloads', path: 'Downloads' },
      { name: 'x', path: 'Downloads/x' },
    ]);
  });
});
