// Watches both directions of an RFB handshake it does not take part in (guacd ↔ an existing VNC
// machine) and tells how the security step ended: guacd 1.6.0 reports a refused VNC password with the
// same status as an unreachable server (0x0207, "Aborted. See logs."), so the gateway reads the
// server's SecurityResult itself (RFC 6143 §7.1.3) to tell the person "wrong password".
import { ByteQueue } from './byte-queue.ts';

export type SecurityOutcome =
  | { kind: 'pending' }
  /** The server accepted the security step (or needs none). */
  | { kind: 'ok' }
  /** VNC Authentication (or None in 3.8) failed: the password was refused. `reason` is the server's (3.8). */
  | { kind: 'auth_failed'; reason: string }
  /** The server refused before any authentication (no security type offered, or 3.3 "type 0"). */
  | { kind: 'refused'; reason: string }
  /** A security type this watcher does not follow (VeNCrypt, TLS, ...), or bytes that are not RFB. */
  | { kind: 'unknown' };

const SECURITY_NONE = 1;
const SECURITY_VNC_AUTH = 2;
const VERSION = /^RFB (\d{3})\.(\d{3})\n$/;
/** A handshake this far without a decision is not one this watcher understands. */
const MAX_BUFFERED = 64 * 1024;
/** Reason strings are read up to this many bytes; a longer one is summarised. */
const MAX_REASON = 512;

type Step =
  'serverVersion' | 'clientVersion' | 'types' | 'type33' | 'choice' | 'challenge' | 'result' | 'failReason' | 'refusedReason' | 'done';

export interface SecurityWatch {
  /** Bytes the server sent toward the client. */
  fromServer(chunk: Uint8Array): void;
  /** Bytes the client sent toward the server. */
  fromClient(chunk: Uint8Array): void;
  outcome(): SecurityOutcome;
}

export function watchRfbSecurity(): SecurityWatch {
  const server = new ByteQueue();
  const client = new ByteQueue();
  let step: Step = 'serverVersion';
  let minor = 8;
  let type = 0;
  let outcome: SecurityOutcome = { kind: 'pending' };

  const decide = (o: SecurityOutcome) => {
    outcome = o;
    step = 'done';
  };
  const reason = (len: number, q: ByteQueue): string | null => {
    if (len > MAX_REASON) return `(a ${len}-byte reason)`;
    const b = q.take(len);
    return b === null ? null : b.toString('latin1').replace(/[^\x20-\x7e]/g, '?');
  };

  function advance(): void {
    for (;;) {
      switch (step) {
        case 'serverVersion': {
          const v = server.take(12);
          if (!v) return;
          if (!VERSION.test(v.toString('latin1'))) return decide({ kind: 'unknown' });
          step = 'clientVersion';
          break;
        }
        case 'clientVersion': {
          const v = client.take(12);
          if (!v) return;
          const m = VERSION.exec(v.toString('latin1'));
          if (!m || m[1] !== '003') return decide({ kind: 'unknown' });
          minor = Number(m[2]) >= 8 ? 8 : Number(m[2]) === 7 ? 7 : 3;
          step = minor === 3 ? 'type33' : 'types';
          break;
        }
        case 'type33': {
          const b = server.take(4);
          if (!b) return;
          // 3.3: the server decides the type alone (0 = refused, with a reason).
          type = b.readUInt32BE(0);
          step = type === 0 ? 'refusedReason' : afterChoice();
          break;
        }
        case 'types': {
          const n = server.peek(1);
          if (!n) return;
          if (n[0] === 0) {
            server.take(1);
            step = 'refusedReason';
            break;
          }
          if (!server.take(1 + n[0]!)) return;
          step = 'choice';
          break;
        }
        case 'choice': {
          const c = client.take(1);
          if (!c) return;
          type = c[0]!;
          step = afterChoice();
          break;
        }
        case 'challenge':
          if (!server.take(16)) return;
          step = 'result';
          break;
        case 'result': {
          const b = server.take(4);
          if (!b) return;
          if (b.readUInt32BE(0) === 0) return decide({ kind: 'ok' });
          if (minor < 8) return decide({ kind: 'auth_failed', reason: '' });
          step = 'failReason';
          break;
        }
        case 'failReason':
        case 'refusedReason': {
          const len = server.peek(4);
          if (!len) return;
          const n = len.readUInt32BE(0);
          if (n <= MAX_REASON && server.size < 4 + n) return;
          server.take(4);
          const text = reason(n, server) ?? '';
          return decide(step === 'failReason' ? { kind: 'auth_failed', reason: text } : { kind: 'refused', reason: text });
        }
        case 'done':
          return;
      }
    }
  }

  /** Where a chosen security type leads: VncAuth's challenge, None's result (3.8 only), or out of our depth. */
  function afterChoice(): Step {
    if (type === SECURITY_VNC_AUTH) return 'challenge';
    if (type === SECURITY_NONE) {
      if (minor === 8) return 'result';
      decide({ kind: 'ok' });
      return 'done';
    }
    decide({ kind: 'unknown' });
    return 'done';
  }

  const feed = (q: ByteQueue, chunk: Uint8Array) => {
    if (step === 'done') return;
    q.push(chunk);
    advance();
    if ((step as Step) !== 'done' && server.size + client.size > MAX_BUFFERED) decide({ kind: 'unknown' });
  };
  return {
    fromServer: (chunk) => feed(server, chunk),
    fromClient: (chunk) => feed(client, chunk),
    outcome: () => outcome,
  };
}
