// WebSocket helpers for the agent's display streams: closing never throws and fits the 123-byte
// reason limit, payloads arrive as one Buffer, reading pauses for several independent reasons. The
// gateway has its own (server/util/ws.ts): agents ship apart and share only contract/ with it.
import { WebSocket, type RawData } from 'ws';

const MAX_CLOSE_REASON_BYTES = 123;

/** Trim to what a close frame can carry, without cutting a UTF-8 character in half. */
function closeReason(reason: string): string {
  if (Buffer.byteLength(reason) <= MAX_CLOSE_REASON_BYTES) return reason;
  let out = reason;
  while (Buffer.byteLength(out) > MAX_CLOSE_REASON_BYTES - 3) out = out.slice(0, -1);
  return `${out}...`;
}

/** Close if not already closing; any code ws rejects falls back to 1011 rather than throwing. */
export function closeWs(ws: WebSocket, code: number, reason: string): void {
  if (ws.readyState === WebSocket.CLOSING || ws.readyState === WebSocket.CLOSED) return;
  try {
    ws.close(code, closeReason(reason));
  } catch {
    try {
      ws.close(1011);
    } catch {
      ws.terminate();
    }
  }
}

/** ws hands over Buffer, ArrayBuffer or Buffer[] depending on binaryType; we want one Buffer. */
export function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

export function isOpen(ws: WebSocket): boolean {
  return ws.readyState === WebSocket.OPEN;
}

/**
 * Pauses a WebSocket's reading while any of several independent reasons holds, so one reason
 * ending does not resume reading that another still needs paused.
 */
export class PauseGate {
  private readonly reasons = new Set<string>();

  constructor(private readonly ws: { pause(): void; resume(): void }) {}

  hold(reason: string): void {
    if (this.reasons.has(reason)) return;
    this.reasons.add(reason);
    if (this.reasons.size === 1) this.ws.pause();
  }

  release(reason: string): void {
    if (!this.reasons.delete(reason)) return;
    if (this.reasons.size === 0) this.ws.resume();
  }

  /** Resume for good: a closing socket must still read, or the peer's close frame goes unseen. */
  releaseAll(): void {
    if (this.reasons.size === 0) return;
    this.reasons.clear();
    this.ws.resume();
  }
}
