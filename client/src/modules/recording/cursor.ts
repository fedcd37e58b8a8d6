// Reads a `.dprec` recording's records in order across its part files, starting at any segment
// (part + byte offset from the /index endpoint), so a seek in a one-hour recording fetches only
// from that segment on. Record times come out on the recording's clock: ms since part 0's t = 0.
import { DprecDamage, DprecReader, decodeHeader, MAGIC, MAX_HEADER_BYTES, type DprecRecord } from './dprec.ts';

/** Where bytes come from: HTTP Range requests in the app (source.ts), memory in unit tests. */
export interface PartSource {
  /** The bytes of part `part` from `offset` to its end, in pieces. Throws SourceError. */
  read(part: number, offset: number, signal: AbortSignal): AsyncIterable<Uint8Array>;
}

export class SourceError extends Error {
  override readonly name = 'SourceError';
  constructor(
    readonly kind: 'missing' | 'network',
    message: string,
  ) {
    super(message);
  }
}

export interface SegmentRef {
  part: number;
  offset: number;
  /** ms since the recording started. */
  t: number;
}

/** Damage or a missing file, with the recording time up to which playback is good. */
export class PlaybackDamage extends Error {
  override readonly name = 'PlaybackDamage';
  constructor(
    readonly kind: 'damaged' | 'missing',
    readonly afterMs: number,
  ) {
    super(`${kind} after ${afterMs} ms`);
  }
}

/** Part headers, read once each (a small Range request when a seek starts in the middle of a part). */
export class PartHeaders {
  private cache = new Map<number, Promise<number>>();
  constructor(private readonly src: PartSource) {}

  /** Epoch ms of the part's t = 0. */
  startedAt(part: number, signal: AbortSignal): Promise<number> {
    let p = this.cache.get(part);
    if (!p) {
      p = this.fetch(part, signal);
      p.catch(() => this.cache.delete(part));
      this.cache.set(part, p);
    }
    return p;
  }

  /** Known without a request when the cursor read the header itself. */
  remember(part: number, startedAt: number): void {
    if (!this.cache.has(part)) this.cache.set(part, Promise.resolve(startedAt));
  }

  private async fetch(part: number, signal: AbortSignal): Promise<number> {
    const ac = new AbortController();
    const stop = (): void => ac.abort();
    signal.addEventListener('abort', stop, { once: true });
    const reader = new DprecReader(true);
    let got = 0;
    try {
      for await (const chunk of this.src.read(part, 0, ac.signal)) {
        reader.push(chunk);
        got += chunk.length;
        reader.next();
        if (reader.header) return reader.header.startedAt;
        if (got > MAGIC.length + 4 + MAX_HEADER_BYTES) break;
      }
      throw new DprecDamage('bad-header', undefined);
    } finally {
      signal.removeEventListener('abort', stop);
      ac.abort(); // the rest of the part is not needed
    }
  }
}

export type TimedRecord = DprecRecord & { part: number };

export interface ReadOptions {
  parts: number;
  start: SegmentRef;
  signal: AbortSignal;
  /** Each part's start on the recording clock (from the index); read from the part headers when absent. */
  partStarts?: readonly (number | undefined)[];
}

/** ms from the recording's start (part 0's t = 0) to part `part`'s t = 0. */
async function partShift(headers: PartHeaders, o: ReadOptions, part: number): Promise<number> {
  if (part === 0) return 0;
  const known = o.partStarts?.[part];
  if (known !== undefined) return known;
  const [p, first] = await Promise.all([headers.startedAt(part, o.signal), headers.startedAt(0, o.signal)]);
  return p - first;
}

/** Records from `start` on, through the following parts, with `t` on the recording clock. Throws PlaybackDamage. */
export async function* readRecords(src: PartSource, headers: PartHeaders, o: ReadOptions): AsyncGenerator<TimedRecord, void, void> {
  let lastGood = o.start.t;
  for (let part = o.start.part; part < o.parts; part++) {
    const offset = part === o.start.part ? o.start.offset : 0;
    const reader = new DprecReader(offset === 0);
    let shift = 0;
    try {
      shift = await partShift(headers, o, part);
      for await (const chunk of src.read(part, offset, o.signal)) {
        reader.push(chunk);
        for (let rec = reader.next(); rec; rec = reader.next()) {
          if (reader.header) headers.remember(part, reader.header.startedAt);
          const t = rec.t + shift;
          lastGood = t;
          yield { ...rec, t, part };
        }
      }
      reader.finish();
    } catch (e) {
      if (e instanceof DprecDamage) throw new PlaybackDamage('damaged', e.afterT === undefined ? lastGood : e.afterT + shift);
      if (e instanceof SourceError && e.kind === 'missing') throw new PlaybackDamage('missing', lastGood);
      throw e;
    }
  }
}

/** The last segment at or before `t` (segments sorted by t); the first one when t is before all. */
export function segmentAt(segments: readonly SegmentRef[], t: number): SegmentRef | undefined {
  let lo = 0;
  let hi = segments.length - 1;
  let found: SegmentRef | undefined = segments[0];
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const s = segments[mid] as SegmentRef;
    if (s.t <= t) {
      found = s;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found;
}
