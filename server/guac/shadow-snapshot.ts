// The first picture of a helpdesk join, from the owner's browser. guacd 1.6.0 syncs a joining user
// with its own copy of the display, and for an RDP desktop whose owner display had just been resized
// (a display-update: the owner's stage shrinks for the shadow banner at approval) that copy was black
// with a few stray bytes, while the owner's browser still showed the desktop and guacd's later updates
// were right (measured: docs/architecture.md, "Shadowing sessions shown through guacd"). An unchanged
// desktop never repaints, so the join stayed black. Once a join's own sync is through, the gateway
// asks the owner's display (client guacDisplay.ts) for a PNG of what it shows and draws it on the
// join's default layer.
//
// Between the gateway and the owner's browser: `17.deskport-snapshot,ID;` asks; the browser answers
// with `deskport-snapshot,ID,BASE64` parts and `deskport-snapshot,ID,` (an empty part) at the end.
// These never reach guacd. Every length is capped; one request per owner display at a time.
import { createInstructionParser, encodeInstruction, type InstructionParser } from './instructions.ts';

export const SNAPSHOT_OPCODE = 'deskport-snapshot';
/** What starts every snapshot instruction (the browser sends one instruction per WebSocket message). */
export const SNAPSHOT_PREFIX = `${SNAPSHOT_OPCODE.length}.${SNAPSHOT_OPCODE},`;
/** Base64 characters of one snapshot at most (a 7680x4320 desktop's PNG is well below). */
export const MAX_SNAPSHOT_CHARS = 48 * 1024 * 1024;
/** One part from the browser at most (the client sends 8000-character parts). */
const MAX_PART_CHARS = 16 * 1024;
/** An owner display that does not answer in this time gives no picture (the join keeps guacd's). */
export const SNAPSHOT_TIMEOUT_MS = 5_000;
/** A join gets the owner's picture a second time this long after the first (server/display/guac-endpoint.ts). */
export const SNAPSHOT_AGAIN_MS = 1_500;
/** The join's stream index for the picture: above guacd's (libguac allocates at most 64). */
export const SNAPSHOT_STREAM = '1000';
/** The browser's `ack` of that stream: guacd never opened it, so it never hears of it. */
export const SNAPSHOT_ACK_PREFIX = `3.ack,${SNAPSHOT_STREAM.length}.${SNAPSHOT_STREAM},`;
/** Blob parts sent to the join, as guacd's own image blobs. */
const BLOB_CHARS = 8000;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** One owner display's side: asks its browser, collects the answer. */
export interface OwnerSnapshots {
  /** A PNG (base64) of what the owner's display shows, or null (no answer in time, too large, closed). */
  request(): Promise<string | null>;
  /** One snapshot instruction from the owner's browser; false when it is malformed (the caller closes). */
  receive(text: string): boolean;
  close(): void;
}

export function createOwnerSnapshots(send: (text: string) => void, timeoutMs = SNAPSHOT_TIMEOUT_MS): OwnerSnapshots {
  const parser: InstructionParser = createInstructionParser({ maxInstructionChars: MAX_PART_CHARS, maxElements: 3 });
  let next = 0;
  let pending: { id: string; parts: string[]; chars: number; done: (png: string | null) => void; timer: NodeJS.Timeout } | null = null;
  const waiters: ((png: string | null) => void)[] = [];
  const settle = (png: string | null) => {
    if (!pending) return;
    clearTimeout(pending.timer);
    pending.done(png);
    pending = null;
  };
  return {
    request() {
      return new Promise((resolve) => {
        // Joins arriving while a picture is on its way share it.
        if (pending) return void waiters.push(resolve);
        const id = String(++next);
        const timer = setTimeout(() => settle(null), timeoutMs);
        timer.unref();
        pending = {
          id,
          parts: [],
          chars: 0,
          timer,
          done: (png) => {
            resolve(png);
            for (const w of waiters.splice(0)) w(png);
          },
        };
        send(encodeInstruction(SNAPSHOT_OPCODE, id));
      });
    },
    receive(text) {
      let list;
      try {
        list = parser.push(text);
      } catch {
        return false;
      }
      for (const ins of list) {
        const [id, part] = ins.args;
        if (ins.opcode !== SNAPSHOT_OPCODE || ins.args.length !== 2 || part === undefined || !BASE64.test(part)) return false;
        if (!pending || pending.id !== id) continue; // an answer to a request that timed out
        if (part === '') settle(pending.chars > 0 ? pending.parts.join('') : null);
        else if ((pending.chars += part.length) > MAX_SNAPSHOT_CHARS) settle(null);
        else pending.parts.push(part);
      }
      return true;
    },
    close() {
      settle(null);
    },
  };
}

/** The instructions that draw `png` (base64) on a join's default layer, ended by a sync at `timestamp`. */
export function snapshotInstructions(png: string, timestamp: string): string[] {
  const out = [encodeInstruction('img', SNAPSHOT_STREAM, '12', '0', 'image/png', '0', '0')];
  for (let i = 0; i < png.length; i += BLOB_CHARS) out.push(encodeInstruction('blob', SNAPSHOT_STREAM, png.slice(i, i + BLOB_CHARS)));
  out.push(encodeInstruction('end', SNAPSHOT_STREAM));
  // guacamole-common-js draws a frame's operations at its sync; the browser answers it to guacd like any other.
  out.push(encodeInstruction('sync', timestamp));
  return out;
}

/** The owner displays of live sessions, by session id (the one registered last wins, as for guacd's ids). */
export function createSnapshotRegistry() {
  const owners = new Map<string, OwnerSnapshots>();
  return {
    set(sessionId: string, o: OwnerSnapshots): void {
      owners.set(sessionId, o);
    },
    remove(sessionId: string, o: OwnerSnapshots): void {
      if (owners.get(sessionId) === o) owners.delete(sessionId);
    },
    request(sessionId: string): Promise<string | null> {
      return owners.get(sessionId)?.request() ?? Promise.resolve(null);
    },
  };
}
export type SnapshotRegistry = ReturnType<typeof createSnapshotRegistry>;
