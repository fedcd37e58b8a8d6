// Writes one `.dprec` part file: the file head, then records, hashing every byte as it goes so the
// SHA-256 of a finished part is known without reading it back. write() answers false when the disk
// is behind (the caller pauses its source until onDrain); nothing is buffered beyond one record.
// A part whose write failed (a full disk) is still a part: close() hashes what reached the disk.
import { createHash } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { sha256File } from './files.ts';
import { RecordType, encodeFileHead, encodeJsonRecord, encodeRecordHead, type DprecHeader, type SegmentInfo } from './format.ts';

export interface FinishedPart {
  path: string;
  bytes: number;
  sha256: string;
  /** `t` of the last record. */
  lastT: number;
  /** A write failed: the file ends where the disk stopped taking bytes (no end record; readers stop at its last whole record). */
  cut?: boolean;
}

export class PartWriter {
  private readonly stream: WriteStream;
  private readonly hash = createHash('sha256');
  private written = 0;
  private lastT = 0;
  private failed: Error | null = null;
  private closed: Promise<FinishedPart> | null = null;

  private constructor(
    readonly path: string,
    readonly header: DprecHeader,
    private readonly onError: (err: Error) => void,
  ) {
    // 'wx': a part is never written over; mode 0600: recordings hold whatever was on the screen.
    this.stream = createWriteStream(path, { flags: 'wx', mode: 0o600, highWaterMark: 1024 * 1024 });
    this.stream.on('error', (err) => {
      if (this.failed) return;
      this.failed = err;
      this.onError(err);
    });
    this.put([encodeFileHead(header)]);
  }

  static create(path: string, header: DprecHeader, onError: (err: Error) => void): PartWriter {
    return new PartWriter(path, header, onError);
  }

  get bytes(): number {
    return this.written;
  }

  get error(): Error | null {
    return this.failed;
  }

  /** Milliseconds since the part's startedAt (clamped at 0). */
  tOf(now: number): number {
    return Math.max(this.lastT, now - this.header.startedAt);
  }

  segment(now: number, info: SegmentInfo): boolean {
    return this.put(encodeJsonRecord(RecordType.Segment, this.stamp(now), info));
  }

  /** One data record made of `slices` (whole RFB messages), written without joining them. */
  data(now: number, slices: readonly Buffer[], length: number): boolean {
    return this.put([encodeRecordHead(RecordType.Data, this.stamp(now), length), ...slices]);
  }

  onDrain(fn: () => void): void {
    this.stream.once('drain', fn);
  }

  /** Writes the end record and closes the file; safe to call twice. After a failed write, the part
   *  is what is on disk (its size and SHA-256 read back); rejects only when there is no file at all. */
  close(now: number, reason: string): Promise<FinishedPart> {
    if (!this.closed) {
      if (!this.failed) this.put(encodeJsonRecord(RecordType.End, this.stamp(now), { reason: reason.slice(0, 200) }));
      const lastT = this.lastT;
      this.closed = new Promise<void>((resolve) => {
        if (this.stream.closed) return resolve();
        this.stream.once('close', () => resolve());
        if (!this.failed) this.stream.end();
      }).then(async () =>
        this.failed
          ? { path: this.path, ...(await sha256File(this.path)), lastT, cut: true }
          : { path: this.path, bytes: this.written, sha256: this.hash.digest('hex'), lastT },
      );
    }
    return this.closed;
  }

  private stamp(now: number): number {
    this.lastT = this.tOf(now);
    return this.lastT;
  }

  private put(bufs: readonly Buffer[]): boolean {
    if (this.failed || this.closed) return true;
    let ok = true;
    this.stream.cork();
    for (const b of bufs) {
      this.hash.update(b);
      this.written += b.length;
      ok = this.stream.write(b);
    }
    process.nextTick(() => this.stream.uncork());
    return ok;
  }
}
