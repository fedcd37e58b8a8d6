// A minimal QMP client (QEMU Machine Protocol: JSON lines over the VM's unix socket): connect, read
// the greeting, leave negotiation mode, run one or a few commands, close. Connections are short-lived
// on purpose: QEMU serves one QMP client at a time, and a restarted agent must find the socket free.
import { connect, type Socket } from 'node:net';

/** No QMP answer we use comes near this; a longer line means something else is talking. */
const MAX_LINE_BYTES = 1 << 20;
/** Answers read ahead of the caller; more means the peer talks unasked (a hostile guest agent can). */
const MAX_QUEUED = 64;

export class QmpError extends Error {
  constructor(
    message: string,
    readonly errorClass?: string,
  ) {
    super(message);
  }
}

export interface QmpSession {
  /** Runs a command and resolves its `return` value; a QMP error rejects with QmpError. Events are skipped. */
  execute(command: string, args?: Record<string, unknown>): Promise<unknown>;
  close(): void;
}

/** p, or a QmpError with `message` once ms have passed. */
export async function within<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new QmpError(message)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Connects, reads the greeting and sends qmp_capabilities; everything within timeoutMs per step. */
export async function openQmp(path: string, timeoutMs = 3_000): Promise<QmpSession> {
  const socket = connect({ path });
  const lines = lineReader(socket);
  const step = <T>(p: Promise<T>, what: string): Promise<T> =>
    within(p, timeoutMs, `QMP ${what} timed out after ${timeoutMs} ms on ${path}`);
  const session: QmpSession = {
    async execute(command, args) {
      socket.write(`${JSON.stringify(args ? { execute: command, arguments: args } : { execute: command })}\n`);
      for (;;) {
        const msg = await step(lines.next(), command);
        if ('event' in msg) continue;
        if ('error' in msg) {
          const e = msg.error as { class?: string; desc?: string } | undefined;
          throw new QmpError(`QMP ${command} failed: ${String(e?.desc ?? 'unknown error').slice(0, 300)}`, e?.class);
        }
        if ('return' in msg) return msg.return;
      }
    },
    close() {
      socket.destroy();
    },
  };
  try {
    await step(
      new Promise<void>((resolve, reject) => {
        socket.once('connect', resolve).once('error', reject);
      }),
      'connect',
    );
    const greeting = await step(lines.next(), 'greeting');
    if (!('QMP' in greeting)) throw new QmpError(`${path} is not a QMP socket`);
    await session.execute('qmp_capabilities');
    return session;
  } catch (err) {
    socket.destroy();
    throw err;
  }
}

/** Opens a session, runs fn, and always closes. */
export async function withQmp<T>(path: string, fn: (q: QmpSession) => Promise<T>, timeoutMs?: number): Promise<T> {
  const q = await openQmp(path, timeoutMs);
  try {
    return await fn(q);
  } finally {
    q.close();
  }
}

/** Splits the socket's bytes into parsed JSON objects, one per line, with a cap on the line length.
 *  Leading 0xFF bytes are dropped: QEMU's guest agent sends one before its answer to guest-sync-delimited. */
export function lineReader(socket: Socket): { next: () => Promise<Record<string, unknown>> } {
  const queue: Record<string, unknown>[] = [];
  const waiters: { resolve: (m: Record<string, unknown>) => void; reject: (e: Error) => void }[] = [];
  let buffered = '';
  let failure: Error | null = null;
  const fail = (err: Error): void => {
    failure ??= err;
    socket.destroy(); // nothing more is read or buffered
    for (const w of waiters.splice(0)) w.reject(failure);
  };
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    if (failure) return;
    buffered += chunk;
    for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
      const line = buffered
        .slice(0, nl)
        .replace(/^\uFFFD+/, '')
        .trim();
      buffered = buffered.slice(nl + 1);
      if (!line) continue;
      let msg: unknown;
      try {
        msg = JSON.parse(line);
      } catch {
        return fail(new QmpError('QMP sent a line that is not JSON'));
      }
      if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) return fail(new QmpError('QMP sent a non-object'));
      const waiter = waiters.shift();
      if (waiter) waiter.resolve(msg as Record<string, unknown>);
      else if (queue.push(msg as Record<string, unknown>) > MAX_QUEUED)
        return fail(new QmpError(`more than ${MAX_QUEUED} unasked messages`));
    }
    if (buffered.length > MAX_LINE_BYTES) fail(new QmpError(`QMP line over ${MAX_LINE_BYTES} bytes`));
  });
  socket.on('error', (err) => fail(new QmpError(`QMP connection failed: ${err.message}`)));
  socket.on('close', () => fail(new QmpError('QMP connection closed')));
  return {
    next: () => {
      const msg = queue.shift();
      if (msg) return Promise.resolve(msg);
      if (failure) return Promise.reject(failure);
      return new Promise((resolve, reject) => waiters.push({ resolve, reject }));
    },
  };
}
