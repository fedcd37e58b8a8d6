// The session policy on Guacamole streams, both ways, as the gateway's own layer behind guacd's
// disable-copy/disable-paste/disable-upload/disable-download parameters (settings.ts): clipboard
// streams in a refused direction or over clipboardMaxKb are dropped whole (held until their `end`, so
// nothing is truncated); file streams (`file`, `put` from the browser; `file`, `body` from guacd) are
// refused when the policy turns their direction off, cut at fileMaxMb, and reported when they end,
// with their size and SHA-256 (the bytes pass through here anyway; hashing costs one base64 decode).
import { createHash, type Hash } from 'node:crypto';
import { encodeInstruction, type Instruction } from './instructions.ts';

export interface StreamRules {
  clipboard: { toDesktop: boolean; fromDesktop: boolean; maxBytes: number };
  files: { upload: boolean; download: boolean; maxBytes: number };
}

export interface Transfer {
  direction: 'upload' | 'download';
  name: string;
  bytes: number;
  /** Hex; present when the transfer completed. */
  sha256?: string;
  result: 'ok' | 'denied' | 'failed';
  reason?: string;
}

export interface StreamPolicyEvents {
  clipboardBlocked(direction: 'to_desktop' | 'from_desktop'): void;
  transfer(t: Transfer): void;
  /**
   * An upload ended short (cancelled, cut at the size cap, the display closed): removes what guacd
   * wrote of it, when the gateway can reach it (the RDP drive folder); true when it did. SFTP through
   * guacd has no delete, so there the partial file stays (the person is told).
   */
  removePartial?(name: string): boolean;
}

/** guacamole-common-js's mimetype of a directory listing (a `body` that is not a file's content). */
export const STREAM_INDEX_MIMETYPE = 'application/vnd.glyptodon.guacamole.stream-index+json';
/** Guacamole status codes the gateway answers with (guacamole-common-js Guacamole.Status.Code). */
export const Status = { Forbidden: 0x0303, Overrun: 0x030d } as const;
/** Sent to the browser before the `end` of a download the gateway cut: the viewer's file source reads it. */
export const REFUSED_OPCODE = 'deskport-refused';
/** From the browser, before the `end` of an upload the person cancelled (never forwarded to guacd). */
export const CANCEL_OPCODE = 'deskport-cancel';
/** To the browser, after that `end`: `removed` (the partial file is gone) or `kept` (it stays on the machine). */
export const PARTIAL_OPCODE = 'deskport-partial';
/** Streams of one kind followed at once, per direction: more is refused, not remembered. */
const MAX_STREAMS = 16;

interface Clip {
  parts: string[];
  bytes: number;
  over: boolean;
}
interface File {
  name: string;
  bytes: number;
  hash: Hash | null;
  refused: boolean;
  cancelled?: boolean;
}

/** Instructions that open a stream whose index is their first argument (besides clipboard and file). */
const OPENERS = new Set(['img', 'audio', 'video', 'pipe', 'argv']);

/** Bytes a base64 text decodes to. */
export function base64Bytes(s: string): number {
  const pad = s.endsWith('==') ? 2 : s.endsWith('=') ? 1 : 0;
  return Math.floor((s.length * 3) / 4) - pad;
}

/**
 * One direction's streams. `sender` is whose output streams these are: the browser (pastes, uploads)
 * or guacd (copies, downloads). `back` queues an instruction for the sender (an `ack` refusal); `on`
 * queues one for the receiver (the refusal notice before a cut download's `end`).
 */
function createSide(sender: 'browser' | 'guacd', rules: StreamRules, events: StreamPolicyEvents) {
  const clips = new Map<string, Clip>();
  const files = new Map<string, File>();
  const clipAllowed = sender === 'browser' ? rules.clipboard.toDesktop : rules.clipboard.fromDesktop;
  const clipDirection = sender === 'browser' ? 'to_desktop' : 'from_desktop';
  const fileAllowed = sender === 'browser' ? rules.files.upload : rules.files.download;
  const fileDirection = sender === 'browser' ? 'upload' : 'download';

  function endFile(stream: string, f: File, result: Transfer['result'], reason?: string): boolean {
    files.delete(stream);
    // An upload guacd started writing and that ended short: what it wrote goes, where the gateway can reach it.
    const removed = sender === 'browser' && result === 'failed' && (events.removePartial?.(f.name) ?? false);
    const t: Transfer = { direction: fileDirection, name: f.name, bytes: f.bytes, result };
    if (result === 'ok' && f.hash) t.sha256 = f.hash.digest('hex');
    const partial = removed ? '; the partial file was removed' : '; the partial file stays on the machine';
    if (reason) t.reason = reason + (result === 'failed' && sender === 'browser' ? partial : '');
    events.transfer(t);
    return removed;
  }

  /** Null: not this filter's business, pass the instruction as it is. A string: what to pass instead. */
  function take(ins: Instruction, back: string[], on: string[]): string | null {
    const stream = ins.args[0] ?? '';
    switch (ins.opcode) {
      case 'clipboard': {
        if (!clipAllowed || clips.size >= MAX_STREAMS) {
          clips.set(stream, { parts: [], bytes: 0, over: true });
          events.clipboardBlocked(clipDirection);
        } else clips.set(stream, { parts: [ins.raw], bytes: 0, over: false });
        return '';
      }
      case 'file':
      case 'put':
      case 'body': {
        // file,STREAM,MIMETYPE,NAME; put,OBJECT,STREAM,MIMETYPE,NAME; body,OBJECT,STREAM,MIMETYPE,NAME
        const idx = ins.opcode === 'file' ? 0 : 1;
        const s = ins.args[idx] ?? '';
        const mimetype = ins.args[idx + 1] ?? '';
        const name = (ins.args[idx + 2] ?? '').slice(0, 1024);
        if (ins.opcode === 'body' && mimetype === STREAM_INDEX_MIMETYPE) return null; // a listing, not a file
        if (!fileAllowed || files.size >= MAX_STREAMS) {
          const reason = fileAllowed ? 'too many transfers at once' : `${fileDirection}s are turned off for this desktop`;
          back.push(encodeInstruction('ack', s, reason, String(Status.Forbidden)));
          events.transfer({ direction: fileDirection, name, bytes: 0, result: 'denied', reason });
          if (sender === 'browser') {
            // Its later blobs and end are dropped here (guacd never heard of the stream).
            if (files.size < MAX_STREAMS * 4) files.set(s, { name, bytes: 0, hash: null, refused: true });
            return '';
          }
          // A download: guacd frees the stream on the refusing ack and sends nothing more for it. The browser
          // gets the stream it asked for, told at once that it is refused, and ended.
          on.push(encodeInstruction(REFUSED_OPCODE, s, reason), encodeInstruction('end', s));
          return null;
        }
        files.set(s, { name, bytes: 0, hash: createHash('sha256'), refused: false });
        return null;
      }
      case 'blob': {
        const c = clips.get(stream);
        if (c) {
          if (c.over) return '';
          c.bytes += base64Bytes(ins.args[1] ?? '');
          if (c.bytes > rules.clipboard.maxBytes) {
            c.over = true;
            c.parts = [];
            events.clipboardBlocked(clipDirection);
          } else c.parts.push(ins.raw);
          return '';
        }
        const f = files.get(stream);
        if (!f) return null;
        if (f.refused) return '';
        const data = ins.args[1] ?? '';
        f.bytes += base64Bytes(data);
        if (f.bytes > rules.files.maxBytes) {
          const reason = `the file is larger than this desktop allows (${Math.round(rules.files.maxBytes / 1024 / 1024)} MB)`;
          f.refused = true;
          back.push(encodeInstruction('ack', stream, reason, String(Status.Overrun)));
          // The receiver's side of the stream is ended: guacd closes the file it was writing; the browser
          // is told first that what it got is not the whole file.
          if (sender === 'guacd') on.push(encodeInstruction(REFUSED_OPCODE, stream, reason));
          on.push(encodeInstruction('end', stream));
          endFile(stream, f, 'failed', reason);
          // An upload's later blobs are dropped until its end; guacd, refused, frees a download's stream at once.
          if (sender === 'browser') files.set(stream, f);
          return '';
        }
        f.hash?.update(Buffer.from(data, 'base64'));
        return null;
      }
      case CANCEL_OPCODE: {
        const f = sender === 'browser' ? files.get(stream) : undefined;
        if (f && !f.refused) f.cancelled = true;
        return '';
      }
      case 'end': {
        const c = clips.get(stream);
        if (c) {
          clips.delete(stream);
          return c.over ? '' : c.parts.join('') + ins.raw;
        }
        const f = files.get(stream);
        if (!f) return null;
        if (f.refused) {
          files.delete(stream);
          return '';
        }
        if (f.cancelled) {
          // guacd may still hold the file open while it goes: the end that follows closes it.
          const removed = endFile(stream, f, 'failed', 'cancelled by the person');
          back.push(encodeInstruction(PARTIAL_OPCODE, stream, removed ? 'removed' : 'kept', String(f.bytes)));
          return ins.raw;
        }
        endFile(stream, f, 'ok');
        return null;
      }
      default:
        // Another stream opened on an index this side still follows (e.g. an image on a reused index): forget it.
        if (OPENERS.has(ins.opcode)) {
          clips.delete(stream);
          files.delete(stream);
        }
        return null;
    }
  }

  /** The display closed: uploads still open ended short (audited, and their partial files removed where possible). */
  function close(): void {
    for (const [stream, f] of [...files]) if (!f.refused) endFile(stream, f, 'failed', 'the connection closed during the transfer');
    files.clear();
    clips.clear();
  }

  return { take, close, active: () => clips.size + files.size };
}

export type StreamSide = ReturnType<typeof createSide>;

export function createStreamPolicy(rules: StreamRules, events: StreamPolicyEvents) {
  return { fromBrowser: createSide('browser', rules, events), fromGuacd: createSide('guacd', rules, events) };
}
export type StreamPolicy = ReturnType<typeof createStreamPolicy>;

/**
 * The opcode of one whole instruction (guacamole-lite hands the gateway guacd's instructions one at a
 * time) without parsing the rest: most of guacd's output is images, which only need this.
 */
export function opcodeOf(raw: string): string {
  const dot = raw.indexOf('.');
  const n = Number(raw.slice(0, dot));
  return raw.slice(dot + 1, dot + 1 + n);
}
