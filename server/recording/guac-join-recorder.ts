// One shadow-only recording of a session shown through guacd (RDP, SSH): guacd records a connection
// only from its start, so the gateway joins the owner's live connection read-only as its own user
// (the thumbnail's join, guac-thumbnail.ts) and writes the drawing instructions guacd sends it into a
// `.guac` file, the format of guacd's own recordings. guacd 1.6.0 may give a join a black first
// picture (shadow-snapshot.ts): right after guacd's first `sync` the owner's picture is written over
// it. Every instruction, the file and the bytes read are capped. docs/recording-format.md.
import { createWriteStream } from 'node:fs';
import { connectGuacd, type GuacdEndpoint } from '../display/guac-thumbnail.ts';
import { encodeInstruction, type Instruction } from '../guac/instructions.ts';
import { snapshotInstructions } from '../guac/shadow-snapshot.ts';

export interface GuacJoinRecorderOptions {
  endpoint: GuacdEndpoint;
  /** guacd's id of the owner's connection ('$…'). */
  connectionId: string;
  /** The `.guac` file; created, never overwritten. */
  path: string;
  /** The owner's picture as a PNG (base64), or null (shadow-snapshot.ts). */
  snapshot: () => Promise<string | null>;
  /** Counts bytes about to be written; false when storage refuses them (the recording ends). */
  allowBytes: (n: number) => boolean;
  /** The file's size at most: the recording ends, cut, when it would grow beyond. */
  maxBytes: number;
}

export interface JoinRecordingEnd {
  reason: string;
  /** Bytes written into the file. */
  bytes: number;
  failed: boolean;
  /** The disk's own error, if writing failed (ENOSPC, EIO): for the storage budget. */
  diskError: NodeJS.ErrnoException | null;
}

export interface GuacJoinRecorder {
  /** Resolves once the file is closed, with why the recording ended. */
  ended: Promise<JoinRecordingEnd>;
  stop(reason: string): Promise<void>;
}

/** What a recording keeps: drawing only (no clipboard, sound, files or messages reach the file). */
const DRAWING = new Set(
  (
    'size img sync rect cfill copy cursor move shade dispose transfer arc cstroke close lfill lstroke line curve ' +
    'start clip push pop reset identity transform distort set mouse name'
  ).split(' '),
);
/** One instruction at most, as guacd's image blobs (about 8 KiB) and the thumbnail's join allow. */
const MAX_INSTRUCTION_CHARS = 64 * 1024;
/** Image streams open at once at most (libguac allocates 64). */
const MAX_STREAMS = 256;
/** Instructions held while the owner's picture is on its way, at most (then it is left out). */
const MAX_HELD_CHARS = 8 * 1024 * 1024;
/** Bytes queued toward a slow disk at most: beyond, the recording ends rather than grow memory. */
const MAX_QUEUED_BYTES = 16 * 1024 * 1024;
/** Instructions before the join's layers at most (guacd sends two or three). */
const MAX_EARLY = 64;
/** guacd ends a user that says nothing for 15 s; a still desktop sends no frames to answer. */
const KEEPALIVE_MS = 5_000;

export function startGuacJoinRecorder(o: GuacJoinRecorderOptions): GuacJoinRecorder {
  const out = createWriteStream(o.path, { flags: 'wx', mode: 0o600 });
  const conn = connectGuacd(o.endpoint, {
    selector: o.connectionId,
    params: { 'read-only': 'true' },
    width: 1024,
    height: 768,
    // Dropped instructions (a cursor moved, an image stream refused) are read too: 4× the file.
    limits: { maxInstructionChars: MAX_INSTRUCTION_CHARS, maxBytes: o.maxBytes * 4 },
  });
  const images = new Set<string>();
  let bytes = 0;
  let held: string[] | null = null;
  let heldChars = 0;
  let firstSync = true;
  let sized = false;
  /** What guacd sent before its first `size`, written before the sync that ends its copy of the display. */
  const early: string[] = [];
  let layered = false;
  let stopped: { reason: string; failed: boolean } | null = null;
  const keepalive = setInterval(() => conn.send('nop'), KEEPALIVE_MS);
  keepalive.unref();

  const write = (text: string): void => {
    if (stopped) return;
    const n = Buffer.byteLength(text);
    if (bytes + n > o.maxBytes) return end(`cut at the size cap (${o.maxBytes} bytes)`, false);
    if (!o.allowBytes(n)) return end('the recordings storage is full', false);
    if (out.writableLength > MAX_QUEUED_BYTES) return end('the recordings disk is too slow', true);
    bytes += n;
    out.write(text);
  };
  const keep = (text: string): void => {
    if (!held) return write(text);
    held.push(text);
    if ((heldChars += text.length) > MAX_HELD_CHARS) release(null);
  };
  /** The owner's picture (or none) after guacd's first sync, then what came meanwhile. */
  const release = (png: string | null, timestamp = '0'): void => {
    const rest = held;
    if (!rest) return;
    held = null;
    if (png) for (const t of snapshotInstructions(png, timestamp)) write(t);
    for (const t of rest) write(t);
  };

  conn.onInstruction((ins: Instruction) => {
    const { opcode, args } = ins;
    const stream = args[0] ?? '';
    if (opcode === 'img') {
      if (images.size >= MAX_STREAMS) return; // its blobs could not be kept either
      images.add(stream);
    } else if (opcode === 'blob' || opcode === 'end') {
      if (!images.has(stream)) return;
      if (opcode === 'end') images.delete(stream);
    } else if (!DRAWING.has(opcode)) return;
    const text = encodeInstruction(opcode, ...args);
    // guacd 1.6.0 sends a join its cursor (drawn from a buffer layer) and a sync before the layers
    // exist: a player that draws that cursor from a 0x0 layer may stop. It goes after the layers.
    if (!layered && opcode !== 'size' && early.length < MAX_EARLY) return void (opcode !== 'sync' && early.push(text));
    layered = true;
    if (opcode === 'size' && args[0] === '0') sized = true;
    if (opcode === 'sync' && early.length > 0) for (const t of early.splice(0)) keep(t);
    keep(text);
    if (opcode === 'sync' && sized && firstSync) {
      // guacd's copy of the display (its layers, the default one sized) ends at this sync: the owner's
      // picture goes over it. guacd 1.6.0 sends a sync with the cursor before that copy.
      firstSync = false;
      held = [];
      void o.snapshot().then(
        (png) => release(png, stream),
        () => release(null),
      );
    }
  });

  let diskError: NodeJS.ErrnoException | null = null;
  let closing = false;
  let end!: (reason: string, failed: boolean) => void;
  const ended = new Promise<JoinRecordingEnd>((resolve) => {
    end = (reason, failed) => {
      if (closing) return;
      closing = true;
      release(null); // what waited for the owner's picture is still written (the caps apply)
      const s = (stopped = { reason, failed });
      clearInterval(keepalive);
      conn.close();
      out.end();
      out.once('close', () =>
        resolve(
          diskError
            ? { reason: `writing the recording failed: ${diskError.message}`, failed: true, bytes, diskError }
            : { ...s, bytes, diskError },
        ),
      );
    };
  });
  out.on('error', (err) => {
    diskError ??= err;
    end('writing the recording failed', true);
  });
  void conn.ended.then((err) => end(err.message === 'closed' ? 'stopped' : `the join ended: ${err.message}`, false));
  return {
    ended,
    async stop(reason) {
      end(reason, false);
      await ended;
    },
  };
}
