// The pure helpers behind the benchmarks' figures: percentiles, /proc stat parsing, the first
// image on layer 0 of a Guacamole stream, the forward's added latency, and the report splice.
import { describe, expect, it } from 'vitest';
import { added } from './echo.ts';
import { FirstImageWatch } from './guac-probe.ts';
import { statTicks } from './procstat.ts';
import { RDP_END, RDP_START, splice } from './report-rdp.ts';
import { handRunSections } from './report-section.ts';
import { percentile, summarize } from './stats.ts';

describe('percentiles', () => {
  it('are nearest-rank over the sorted values', () => {
    const s = summarize([5, 1, 4, 2, 3, 6, 7, 8, 9, 10]);
    expect([s.n, s.min, s.p50, s.p90, s.p99, s.max, s.mean]).toEqual([10, 1, 5, 9, 10, 10, 5.5]);
    expect(percentile([1, 2, 3], 0.5)).toBe(2);
    expect(percentile([], 0.5)).toBeNaN();
  });

  it('added latency is per percentile, via minus direct', () => {
    expect(added(summarize([300, 400, 900]), summarize([50, 60, 70]))).toEqual({ p50: 340, p90: 830, p99: 830 });
  });
});

describe('/proc/<pid>/stat', () => {
  it('reads utime and stime after the last parenthesis, whatever the command name holds', () => {
    const line = '4242 (guacd (x) y) S 1 4242 4242 0 -1 4194560 900 0 0 0 1234 567 0 0 20 0 3 0 99 1000 200 0';
    expect(statTicks(line)).toEqual({ utime: 1234, stime: 567 });
  });

  it('refuses a line that is not one', () => {
    expect(() => statTicks('garbage')).toThrow(/stat line/);
  });
});

describe('first image on layer 0', () => {
  it('times the img on layer 0 and the end of its stream, ignoring other layers and streams', () => {
    const w = new FirstImageWatch();
    w.see({ opcode: 'img', args: ['1', '14', '-1', 'image/png', '0', '0'] }, 10); // a buffer layer
    w.see({ opcode: 'img', args: ['2', '14', '0', 'image/jpeg', '0', '0'] }, 20);
    w.see({ opcode: 'end', args: ['1'] }, 25);
    expect(w.done).toBe(false);
    w.see({ opcode: 'img', args: ['3', '14', '0', 'image/png', '0', '0'] }, 30); // a later image changes nothing
    w.see({ opcode: 'end', args: ['2'] }, 40);
    expect([w.imgAt, w.endAt, w.mimetype, w.done]).toEqual([20, 40, 'image/jpeg', true]);
  });
});

describe('the RDP section of REPORT.md', () => {
  const section = `${RDP_START}\n## RDP\nnew\n${RDP_END}`;

  it('replaces its earlier copy and keeps everything else', () => {
    const old = `# Report\n\n${RDP_START}\n## RDP\nold\n${RDP_END}\n\n## Run time per step\n`;
    expect(splice(old, section)).toBe(`# Report\n\n${section}\n\n## Run time per step\n`);
  });

  it('goes before the run-time section the first time, or at the end', () => {
    expect(splice('# Report\n\n## Goals\n\n## Run time per step\nx\n', section)).toBe(
      `# Report\n\n## Goals\n\n${section}\n\n## Run time per step\nx\n`,
    );
    expect(splice('# Report\n', section)).toBe(`# Report\n\n${section}\n`);
  });
});

describe('hand-run sections kept by a full report', () => {
  const rec = '<!-- recording:start -->\n## Recording\nfigures\n<!-- recording:end -->';
  const vm = '<!-- vm:start -->\n## VM\n<!-- vm:end -->';
  const report = `# Report\n\n${RDP_START}\n## RDP\n${RDP_END}\n\n${rec}\n\ntext\n\n${vm}\n<!-- broken:start -->\nno end\n`;

  it('are found whole and in order, the named ones left out, an unclosed one ignored', () => {
    expect(handRunSections(report, ['rdp'])).toEqual([rec, vm]);
    expect(handRunSections(report)).toEqual([`${RDP_START}\n## RDP\n${RDP_END}`, rec, vm]);
    expect(handRunSections('# Report\n')).toEqual([]);
  });
});
