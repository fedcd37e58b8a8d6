// Asks a guacd whether it answers: one TCP connection, one `select` instruction, one instruction
// back. `select rdp` must answer `args` (guacd runs and its RDP plugin loads); `select $<unknown id>`
// must answer `error` (guacd's router answers without starting a connection process: a cheap probe).
import { connect } from 'node:net';

/** A probe's verdict; `reason` is short and for people ("connection refused", "no answer in 3 s"). */
export type ProbeResult = { ok: true; instruction: string[] } | { ok: false; reason: string };

const MAX_ANSWER_CHARS = 16 * 1024;

/** One Guacamole instruction encoded: `4.args,3.rdp;` (lengths count characters). */
export function encodeInstruction(parts: readonly string[]): string {
  return parts.map((p) => `${[...p].length}.${p}`).join(',') + ';';
}

/** Decodes the first complete instruction of `text`, or null when it needs more; throws on malformed text. */
export function decodeInstruction(text: string): { parts: string[]; rest: string } | null {
  const chars = [...text];
  const parts: string[] = [];
  let i = 0;
  for (;;) {
    const dot = chars.indexOf('.', i);
    if (dot < 0) {
      if (chars.length - i > 10 || !/^\d*$/.test(chars.slice(i).join(''))) throw new Error('malformed instruction');
      return null;
    }
    const lenText = chars.slice(i, dot).join('');
    if (!/^\d{1,7}$/.test(lenText)) throw new Error('malformed instruction length');
    const end = dot + 1 + Number(lenText);
    if (end >= chars.length) return null;
    parts.push(chars.slice(dot + 1, end).join(''));
    const sep = chars[end];
    if (sep === ';') return { parts, rest: chars.slice(end + 1).join('') };
    if (sep !== ',') throw new Error('malformed instruction separator');
    i = end + 1;
  }
}

/** Connects, sends `select <what>`, and resolves with the first instruction guacd answers. Never rejects. */
export function probeGuacd(host: string, port: number, select: string, timeoutMs = 3000): Promise<ProbeResult> {
  return new Promise((resolve) => {
    let text = '';
    let settled = false;
    const socket = connect({ host, port });
    const done = (r: ProbeResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => done({ ok: false, reason: `no answer in ${Math.round(timeoutMs / 1000)} s` }), timeoutMs);
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write(encodeInstruction(['select', select])));
    socket.on('data', (chunk: string) => {
      text += chunk;
      try {
        const got = decodeInstruction(text);
        if (got) return done({ ok: true, instruction: got.parts });
      } catch (err) {
        return done({ ok: false, reason: `it answered something that is not the Guacamole protocol (${(err as Error).message})` });
      }
      if (text.length > MAX_ANSWER_CHARS) done({ ok: false, reason: 'its answer was too long' });
    });
    socket.on('error', (err: NodeJS.ErrnoException) =>
      done({ ok: false, reason: err.code === 'ECONNREFUSED' ? 'connection refused' : (err.code ?? err.message) }),
    );
    socket.on('close', () => done({ ok: false, reason: 'it closed the connection without answering' }));
  });
}

/** `select rdp` → `args`: guacd is up and can serve RDP. Resolves with the protocol version it names. */
export async function handshakeRdp(
  host: string,
  port: number,
  timeoutMs?: number,
): Promise<{ ok: true; version: string } | { ok: false; reason: string }> {
  const r = await probeGuacd(host, port, 'rdp', timeoutMs);
  if (!r.ok) return r;
  if (r.instruction[0] !== 'args') {
    const said = r.instruction[0] === 'error' ? `: ${r.instruction[1] ?? ''}` : '';
    return {
      ok: false,
      reason: `it answered "${r.instruction[0]}" instead of "args" to an RDP request${said} (is its RDP support installed?)`,
    };
  }
  return { ok: true, version: r.instruction[1] ?? 'unknown' };
}

/** A connection id that never exists: guacd answers `error` from its router, starting nothing. */
export const PROBE_ID = '$deskport-probe';

/** The cheap periodic probe: any `error`/`args` answer proves guacd's accept loop and router work. */
export async function pingGuacd(host: string, port: number, timeoutMs?: number): Promise<{ ok: true } | { ok: false; reason: string }> {
  const r = await probeGuacd(host, port, PROBE_ID, timeoutMs);
  if (!r.ok) return r;
  return r.instruction[0] === 'error' || r.instruction[0] === 'args'
    ? { ok: true }
    : { ok: false, reason: `it answered "${r.instruction[0]}"` };
}
