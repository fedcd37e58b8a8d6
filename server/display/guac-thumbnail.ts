// Thumbnails of displays shown through guacd (RDP, SSH): the gateway joins the owner's live guacd
// connection read-only as a direct TCP Guacamole client (no browser, no guacamole-lite), composites
// the display state guacd sends on join (guac-framebuffer.ts), and returns a small PNG at the first
// `sync` that completes a drawn frame. Every length, size and byte count from guacd is capped, and a
// timeout bounds the grab: a misbehaving guacd ends it with an error. docs/architecture.md,
// "Thumbnails of RDP and SSH sessions".
import net from 'node:net';
import { StringDecoder } from 'node:string_decoder';
import { createInstructionParser, encodeInstruction, InstructionError, type Instruction } from '../guac/instructions.ts';
import { createGuacFramebuffer, type FrameLimits } from './guac-framebuffer.ts';
import { downscale, encodePng } from './png.ts';

export interface GuacdEndpoint {
  host: string;
  port: number;
}

export interface GuacGrabLimits extends FrameLimits {
  /** Code points of one instruction at most (guacd's image blobs are about 8 KiB each). */
  maxInstructionChars: number;
  /** Bytes read from guacd at most for one grab. */
  maxBytes: number;
  timeoutMs: number;
}

export const GUAC_GRAB_LIMITS: GuacGrabLimits = {
  maxInstructionChars: 64 * 1024,
  maxBytes: 96 * 1024 * 1024,
  timeoutMs: 8_000,
  maxPixels: 8192 * 4320,
  maxImageChars: 64 * 1024 * 1024,
  maxStreams: 256,
};

/** Elements of one instruction at most: guacd's RDP `args` lists about 120 parameter names. */
const MAX_ELEMENTS = 512;
/** The protocol version this client speaks; guacd 1.1+ accepts it in the `connect` reply. */
const VERSION = 'VERSION_1_5_0';

export interface GuacdConnectionOptions {
  /** A protocol name ('rdp', 'ssh', ...) for a new connection, or a connection id ('$…') to join. */
  selector: string;
  /** Values for guacd's `args` (by parameter name); every other parameter is sent empty. */
  params: Record<string, string>;
  width: number;
  height: number;
  limits?: Pick<GuacGrabLimits, 'maxInstructionChars' | 'maxBytes'>;
}

export interface GuacdConnection {
  /** guacd's id of the connection (from `ready`); rejects when guacd refuses or the handshake fails. */
  ready: Promise<string>;
  /** Each instruction after `ready` (`sync` is already answered). */
  onInstruction(fn: (ins: Instruction) => void): void;
  /** Resolves with why the connection ended (guacd closed it, an error, a cap, or close()). */
  ended: Promise<Error>;
  /** Sends one instruction to guacd (a recorder's keep-alive `nop`). */
  send(opcode: string, ...args: string[]): void;
  close(): void;
}

/** A direct Guacamole client to guacd: select, args → size/audio/video/image/timezone/connect, ready. */
export function connectGuacd(endpoint: GuacdEndpoint, o: GuacdConnectionOptions): GuacdConnection {
  const limits = o.limits ?? GUAC_GRAB_LIMITS;
  const parser = createInstructionParser({ maxInstructionChars: limits.maxInstructionChars, maxElements: MAX_ELEMENTS });
  const decoder = new StringDecoder('utf8');
  const sock = net.connect(endpoint.port, endpoint.host);
  let received = 0;
  let id: string | null = null;
  let listener: (ins: Instruction) => void = () => undefined;
  let endWith!: (err: Error) => void;
  let resolveReady!: (id: string) => void;
  let rejectReady!: (err: Error) => void;
  const ready = new Promise<string>((res, rej) => ((resolveReady = res), (rejectReady = rej)));
  ready.catch(() => undefined);
  const ended = new Promise<Error>((resolve) => {
    let done = false;
    endWith = (err) => {
      if (done) return;
      done = true;
      sock.destroy();
      rejectReady(err);
      resolve(err);
    };
  });
  const send = (opcode: string, ...args: string[]) => sock.write(encodeInstruction(opcode, ...args));

  function handle(ins: Instruction): void {
    const { opcode, args } = ins;
    if (opcode === 'error') throw new Error(`guacd refused: ${printable(args[0])} (status ${printable(args[1])})`);
    if (opcode === 'disconnect') throw new Error('guacd ended the connection');
    if (id === null) {
      if (opcode === 'args') {
        send('size', String(o.width), String(o.height), '96');
        send('audio');
        send('video');
        send('image', 'image/png'); // only PNG: every image guacd picks for this client is one we decode
        send('timezone', 'UTC');
        send('connect', ...args.map((name) => (/^VERSION_\d+_\d+_\d+$/.test(name) ? VERSION : (o.params[name] ?? ''))));
      } else if (opcode === 'ready') {
        if (!/^\$[\w-]{1,128}$/.test(args[0] ?? '')) throw new Error('guacd answered with a malformed connection id');
        id = args[0]!;
        resolveReady(id);
      }
      return;
    }
    // guacd stops sending frames to a client that does not acknowledge them.
    if (opcode === 'sync') send('sync', args[0] ?? '0');
    listener(ins);
  }

  sock.setNoDelay(true);
  sock.on('connect', () => send('select', o.selector));
  sock.on('data', (chunk: Buffer) => {
    received += chunk.length;
    try {
      if (received > limits.maxBytes) throw new Error('guacd sent more than a thumbnail may read');
      for (const ins of parser.push(decoder.write(chunk))) handle(ins);
    } catch (err) {
      const e = err as Error;
      endWith(err instanceof InstructionError ? new Error(`guacd sent a bad instruction: ${e.message}`) : e);
    }
  });
  sock.on('error', (err) => endWith(new Error(`cannot talk to guacd at ${endpoint.host}:${endpoint.port}: ${err.message}`)));
  sock.on('close', () => endWith(new Error('guacd closed the connection')));
  return {
    ready,
    onInstruction: (fn) => (listener = fn),
    ended,
    send: (opcode, ...args) => void (sock.writable && send(opcode, ...args)),
    close: () => endWith(new Error('closed')),
  };
}

/** Joins guacd connection `connectionId` read-only and returns its display as a PNG at most maxWidth wide. */
export async function grabGuacFrame(
  endpoint: GuacdEndpoint,
  connectionId: string,
  maxWidth: number,
  limits: GuacGrabLimits = GUAC_GRAB_LIMITS,
): Promise<Buffer> {
  if (!/^\$[\w-]{1,128}$/.test(connectionId)) throw new Error('not a guacd connection id');
  const conn = connectGuacd(endpoint, {
    selector: connectionId,
    params: { 'read-only': 'true' },
    width: 1024,
    height: 768,
    limits,
  });
  const fb = createGuacFramebuffer(limits);
  let drawn = false;
  let timer: NodeJS.Timeout | undefined;
  try {
    return await new Promise<Buffer>((resolve, reject) => {
      timer = setTimeout(() => reject(new Error('guacd did not send the display in time')), limits.timeoutMs);
      void conn.ended.then(reject);
      conn.onInstruction((ins) => {
        try {
          if (fb.apply(ins.opcode, ins.args)) drawn = true;
          // The join's initial state ends with a sync; a display with nothing drawn yet waits for more.
          if (ins.opcode === 'sync' && drawn && fb.width() > 0 && fb.height() > 0) {
            const small = downscale(fb.toBgrx(), fb.width(), fb.height(), maxWidth);
            if (small.width === 0 || small.height === 0) throw new Error('the display is too small for a thumbnail');
            resolve(encodePng(small.width, small.height, small.rgb));
          }
        } catch (err) {
          reject(err as Error);
        }
      });
    });
  } finally {
    clearTimeout(timer);
    conn.close();
  }
}

/** A value from guacd for an error message: printable ASCII, short. */
function printable(s: string | undefined): string {
  return (s ?? '').replace(/[^\x20-\x7e]/g, '?').slice(0, 120);
}
