// A small FIFO of received bytes for the handshake state machines: they need "the next N bytes or
// nothing yet" over a stream that arrives in arbitrary pieces. Handshake data is tiny, so joining
// pieces by copying is fine here (the relay's hot path uses client-messages.ts instead).

export class ByteQueue {
  private buf: Buffer = Buffer.alloc(0);

  get size(): number {
    return this.buf.length;
  }

  push(chunk: Uint8Array): void {
    const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    this.buf = this.buf.length === 0 ? b : Buffer.concat([this.buf, b]);
  }

  /** The next n bytes without consuming them, or null if fewer have arrived. */
  peek(n: number): Buffer | null {
    return this.buf.length >= n ? this.buf.subarray(0, n) : null;
  }

  /** Consume the next n bytes (a view, not a copy), or null if fewer have arrived. */
  take(n: number): Buffer | null {
    if (this.buf.length < n) return null;
    const out = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    return out;
  }

  /** Everything left, consumed. */
  drain(): Buffer {
    const out = this.buf;
    this.buf = Buffer.alloc(0);
    return out;
  }
}
