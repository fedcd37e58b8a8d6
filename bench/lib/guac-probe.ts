// Guacamole clients for bench/rdp.ts, both answering guacd the way guacamole-common-js does (sync,
// blob acks): one through the portal's /ws/rdp WebSocket, one straight to guacd with guacamole-lite's
// own GuacdClient (select rdp, args/connect handshake) — Guacamole's stack without the gateway.
// Each times the first image on layer 0 and counts the characters delivered.
import GuacdClient, { type GuacdSettings } from 'guacamole-lite/lib/GuacdClient.js';
import WebSocket from 'ws';
import { createInstructionParser, encodeInstruction, type Instruction } from '../../server/guac/instructions.ts';

const DISCONNECT = encodeInstruction('disconnect');

/** When the first image on the default layer (0) began and ended, from the instructions in order. */
export class FirstImageWatch {
  imgAt: number | null = null;
  endAt: number | null = null;
  mimetype = '';
  private stream: string | null = null;

  /** img,STREAM,MASK,LAYER,MIMETYPE,X,Y … blob,STREAM,DATA … end,STREAM */
  see(ins: { opcode: string; args: string[] }, at: number): void {
    if (this.imgAt === null && ins.opcode === 'img' && ins.args[2] === '0') {
      this.imgAt = at;
      this.stream = ins.args[0] ?? '';
      this.mimetype = ins.args[3] ?? '';
    } else if (this.endAt === null && this.stream !== null && ins.opcode === 'end' && ins.args[0] === this.stream) this.endAt = at;
  }

  get done(): boolean {
    return this.endAt !== null;
  }
}

export interface GuacProbe {
  first: FirstImageWatch;
  /** Characters of instructions received so far (what a browser receives). */
  chars: number;
  /** Resolves when the first image on layer 0 is complete; rejects on close or after ms. */
  firstImage(ms?: number): Promise<void>;
  send(text: string): void;
  /** Resolves once the connection is closed. */
  close(): Promise<void>;
}

function probe(send: (t: string) => void, closeFn: () => Promise<void>) {
  const parser = createInstructionParser({ maxInstructionChars: 16 * 1024 * 1024, maxElements: 64 });
  const first = new FirstImageWatch();
  let waiter: { resolve: () => void; reject: (e: Error) => void } | null = null;
  let closedWhy: string | null = null;
  const p: GuacProbe & { push(text: string): void; ended(why: string): void } = {
    first,
    chars: 0,
    push(text) {
      const at = performance.now();
      p.chars += text.length;
      for (const ins of parser.push(text)) answer(ins, at);
      if (first.done && waiter) (waiter.resolve(), (waiter = null));
    },
    ended(why) {
      closedWhy = why;
      waiter?.reject(new Error(`closed before the first image: ${why}`));
      waiter = null;
    },
    firstImage(ms = 30_000) {
      if (first.done) return Promise.resolve();
      if (closedWhy !== null) return Promise.reject(new Error(`closed: ${closedWhy}`));
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => ((waiter = null), reject(new Error(`no image on layer 0 in ${ms} ms`))), ms);
        waiter = { resolve: () => (clearTimeout(timer), resolve()), reject: (e) => (clearTimeout(timer), reject(e)) };
      });
    },
    send,
    close: closeFn,
  };
  const answer = (ins: Instruction, at: number) => {
    first.see(ins, at);
    if (ins.opcode === 'sync') send(encodeInstruction('sync', ins.args[0] ?? '0'));
    else if (ins.opcode === 'blob') send(encodeInstruction('ack', ins.args[0] ?? '', 'OK', '0'));
  };
  return p;
}

/** Through the portal: `path` is a ticket answer's url (/ws/rdp?token=…). */
export async function portalProbe(base: string, path: string, size: { width: number; height: number }): Promise<GuacProbe> {
  const url = `${base.replace(/^http/, 'ws')}${path}&width=${size.width}&height=${size.height}&dpi=96`;
  const ws = new WebSocket(url, 'guacamole', { headers: { origin: base }, perMessageDeflate: false });
  const closed = new Promise<void>((r) => ws.once('close', () => r()));
  const p = probe(
    (t) => ws.readyState === WebSocket.OPEN && ws.send(t),
    async () => {
      // guacamole-common-js says `disconnect` first; without it guacd 1.6.0 keeps the connection
      // process (and its RDP session) until its 15 s input timeout, then 5 s more (measured).
      if (ws.readyState === WebSocket.OPEN) ws.send(DISCONNECT);
      if (ws.readyState !== WebSocket.CLOSED) ws.close(1000);
      await closed;
    },
  );
  ws.on('message', (d) => p.push(d.toString()));
  ws.once('close', (code, reason) => p.ended(`${code} ${reason.toString()}`));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
    ws.once('unexpected-response', (_q, res) => reject(new Error(`/ws/rdp upgrade refused: ${res.statusCode}`)));
  });
  return p;
}

const quiet = { log: () => undefined };

/** Straight to guacd, as guacamole-lite's server does for a browser. */
export function guacdProbe(guacd: { host: string; port: number }, settings: GuacdSettings): GuacProbe {
  const c = new GuacdClient(guacd, 'rdp', settings, quiet);
  const closed = new Promise<void>((r) => c.once('close', () => r()));
  c.on('error', () => undefined); // 'close' follows
  const p = probe(
    (t) => c.send(t),
    async () => {
      c.send(DISCONNECT);
      c.close();
      await closed;
    },
  );
  c.on('data', (text: string) => p.push(text));
  c.once('close', (err?: Error) => p.ended(err?.message ?? 'guacd closed'));
  return p;
}
