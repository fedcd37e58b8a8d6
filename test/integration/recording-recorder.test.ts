// The VNC recorder against a real Xvnc: segments every keyframe interval, parts rotated by size,
// each part playable on its own, clipboard never written, and checksums that match the files.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { RecordType } from '../../server/recording/format.ts';
import { parseRecords, scanPart } from '../../server/recording/reader.ts';
import { makeTestRecording, type TestRecording } from '../helpers/recording.ts';

const made: TestRecording[] = [];
afterAll(() => made.forEach((r) => r.cleanup()));

describe('VNC recorder (real Xvnc)', () => {
  it('writes segments that start with a full update, rotates parts, and leaves the clipboard out', async () => {
    const marker = `clip-${Math.random().toString(36).slice(2)}`;
    const rec = await makeTestRecording({
      keyframeMs: 1000,
      partMaxBytes: 300,
      holdMs: 800,
      // The desktop puts text on its clipboard: the desktop announces it to every RFB client (ServerCutText).
      extra: async (display) => {
        const xclip = spawn('xclip', ['-display', `:${display}`, '-selection', 'clipboard', '-loops', '1'], {
          stdio: ['pipe', 'ignore', 'ignore'],
        });
        xclip.stdin.end(marker);
        await new Promise((r) => setTimeout(r, 1500));
        xclip.kill();
      },
    });
    made.push(rec);
    expect(rec.frames).toHaveLength(3);
    expect(rec.parts.length).toBeGreaterThanOrEqual(2);
    expect(rec.clipboardWithheld).toBeGreaterThanOrEqual(1);
    let segments = 0;
    for (const [n, part] of rec.parts.entries()) {
      const bytes = readFileSync(part.path);
      expect(part.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
      const p = parseRecords(bytes);
      expect(p.header).toMatchObject({ recordingId: rec.recordingId, part: n, pixelFormat: 'rgbx32' });
      expect(p.truncated).toBe(false);
      // Every part starts with a segment and ends with an end record.
      expect(p.records[0]!.type).toBe(RecordType.Segment);
      expect(p.records.at(-1)!.type).toBe(RecordType.End);
      for (const [i, r] of p.records.entries()) {
        if (r.type === RecordType.Segment) {
          segments++;
          expect(JSON.parse(r.payload.toString())).toMatchObject({ width: rec.width, height: rec.height });
          // The first data after a segment is a FramebufferUpdate (the full one asked for).
          const next = p.records.slice(i + 1).find((x) => x.type === RecordType.Data);
          if (next) expect(next.payload[0]).toBe(0);
        }
        if (r.type === RecordType.Data) expect(r.payload.includes(Buffer.from(marker))).toBe(false);
      }
      const scan = await scanPart(part.path);
      expect(scan.segments.length).toBeGreaterThanOrEqual(1);
      expect(scan.endReason).toBe(n === rec.parts.length - 1 ? 'session ended' : 'rotated');
    }
    // About 5 s of recording with a keyframe every second.
    expect(segments).toBeGreaterThanOrEqual(3);
  }, 60_000);
});
