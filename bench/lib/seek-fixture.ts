// The seek benchmark's fixture (bench/recording-seek.ts): real `.dprec` segments cut out of a
// recording, a one-hour recording built from them (repeated with shifted timestamps, never stretched),
// and a loopback HTTP server for its parts with Range that counts the bytes each request sent.
import { createReadStream, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { encodeFileHead, encodeJsonRecord, encodeRecordHead, RecordType } from '../../server/recording/format.ts';
import { parseRecords } from '../../server/recording/reader.ts';

export const HOUR_MS = 3_600_000;
export const PART_MS = 30 * 60_000;

export interface RealSegment {
  t: number;
  seg: Buffer;
  data: { t: number; payload: Buffer }[];
}

/** The complete segments (each followed by another) of a recording's part files. */
export function segmentsOf(files: Buffer[], segmentMs: number): RealSegment[] {
  const segments: RealSegment[] = [];
  for (const f of files) {
    for (const r of parseRecords(f).records) {
      if (r.type === RecordType.Segment) segments.push({ t: r.t, seg: Buffer.from(r.payload), data: [] });
      else if (r.type === RecordType.Data) segments.at(-1)?.data.push({ t: r.t, payload: Buffer.from(r.payload) });
    }
  }
  // Only whole minutes: a segment followed by the next one (the last is cut by the stop).
  const whole = segments.filter((s, i) => i + 1 < segments.length && segments[i + 1]!.t - s.t >= segmentMs - 2000);
  if (whole.length === 0) throw new Error('no complete segment was captured; raise --capture-s');
  return whole;
}

/** The hour as two 30-minute parts of real segments; returns the part paths. */
export function buildHour(dir: string, real: RealSegment[], segmentMs: number): string[] {
  const origin = Date.now() - HOUR_MS;
  const paths: string[] = [];
  for (let part = 0; part * PART_MS < HOUR_MS; part++) {
    const chunks: Buffer[] = [
      encodeFileHead({
        version: 1,
        kind: 'rfb',
        recordingId: 'rec-bench',
        sessionId: 'bench',
        part,
        startedAt: origin + part * PART_MS,
        pixelFormat: 'rgbx32',
      }),
    ];
    for (let k = 0; k < PART_MS / segmentMs; k++) {
      const s = real[(part * (PART_MS / segmentMs) + k) % real.length]!;
      const base = k * segmentMs;
      chunks.push(encodeRecordHead(RecordType.Segment, base, s.seg.length), s.seg);
      for (const d of s.data) {
        const t = base + Math.min(segmentMs - 1, d.t - s.t);
        chunks.push(encodeRecordHead(RecordType.Data, t, d.payload.length), d.payload);
      }
    }
    chunks.push(...encodeJsonRecord(RecordType.End, PART_MS, { reason: 'rotated' }));
    const path = join(dir, `rec-bench-${part}.dprec`);
    writeFileSync(path, Buffer.concat(chunks));
    paths.push(path);
  }
  return paths;
}

/** Serves the parts with Range, counting the bytes each request actually sent before the player stopped reading. */
export function serveParts(paths: string[]): Promise<{ port: number; sent: number[]; close(): void }> {
  const sent: number[] = [];
  const server = http.createServer((req, res) => {
    const m = /^\/parts\/(\d+)$/.exec(req.url ?? '');
    const path = m ? paths[Number(m[1])] : undefined;
    if (!path) return void res.writeHead(404).end();
    const size = statSync(path).size;
    const range = /bytes=(\d+)-/.exec(req.headers.range ?? '');
    const from = range ? Number(range[1]) : 0;
    res.writeHead(range ? 206 : 200, {
      'Content-Type': 'application/octet-stream',
      'Content-Length': String(size - from),
      ...(range ? { 'Content-Range': `bytes ${from}-${size - 1}/${size}` } : {}),
    });
    const i = sent.push(0) - 1;
    const stream = createReadStream(path, { start: from });
    stream.on('data', (c) => (sent[i]! += c.length));
    stream.pipe(res);
    res.on('close', () => stream.destroy());
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const addr = server.address();
      resolve({ port: typeof addr === 'object' && addr ? addr.port : 0, sent, close: () => server.close() });
    }),
  );
}
