// Sans-IO RFB handshakes (RFC 6143 §7.1-7.3) for the RFB-terminating relay: DesktopHandshake is the
// gateway as a client of the desktop's VNC server (VncAuth with the desktop secret, always shared);
// BrowserHandshake is the gateway as the server toward noVNC (None: the ticket already authenticated).
import { ByteQueue } from './byte-queue.ts';
import {
  Caps,
  PIXEL_FORMAT_LENGTH,
  SecurityResult,
  SecurityType,
  SERVER_INIT_FIXED_LENGTH,
  VERSION_LENGTH,
  VERSION_STRING,
  VNC_AUTH_CHALLENGE_LENGTH,
  type RfbVersion,
} from './constants.ts';
import { vncAuthResponse } from './vncauth.ts';

export type HandshakeErrorCode =
  | 'unsupported-version' // not an RFB 3.x version string we speak
  | 'no-auth-offered' // the desktop would let anyone in (None only): refused, a desktop must demand its secret
  | 'security-mismatch' // no security type both sides accept
  | 'refused' // the server ended the handshake with a reason (e.g. too many connections)
  | 'auth-failed' // SecurityResult was a failure
  | 'protocol-error'; // malformed or over-cap field

export interface HandshakeError {
  code: HandshakeErrorCode;
  message: string;
  /** The peer's own reason string, when it sent one (sanitized, capped). */
  peerReason?: string;
}

/** What one feed() produced: bytes to send to the peer now, and whether the handshake is over. */
export type HandshakeStep<R> =
  | { status: 'pending'; send: Buffer[] }
  | { status: 'done'; send: Buffer[]; result: R }
  | { status: 'failed'; send: Buffer[]; error: HandshakeError };

export interface DesktopHandshakeResult {
  version: RfbVersion;
  /** ServerInit exactly as received, to forward to the browser verbatim. */
  serverInit: Buffer;
  width: number;
  height: number;
  name: string;
  /** Bytes the server sent after ServerInit: the start of the relayed stream, must not be lost. */
  leftover: Buffer;
}

export interface BrowserHandshakeResult {
  version: RfbVersion;
  /** The client's shared flag; informational, the gateway always connects to the desktop shared. */
  sharedFlag: boolean;
  /** Bytes after ClientInit: a fast client may already have pipelined its first messages. */
  leftover: Buffer;
}

type Outcome<R> = { kind: 'wait' } | { kind: 'next' } | { kind: 'done'; result: R } | { kind: 'fail'; error: HandshakeError };
const WAIT = { kind: 'wait' } as const;
const NEXT = { kind: 'next' } as const;

function fail(code: HandshakeErrorCode, message: string, peerReason?: string): { kind: 'fail'; error: HandshakeError } {
  return { kind: 'fail', error: peerReason === undefined ? { code, message } : { code, message, peerReason } };
}

/** Peer text goes into logs and close reasons: printable only. */
function peerText(b: Buffer): string {
  return b
    .toString('utf8')
    .replace(/[\u0000-\u001f\u007f]/g, ' ')
    .trim();
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

function parseVersion(b: Buffer): { major: number; minor: number } | null {
  const m = /^RFB (\d{3})\.(\d{3})\n$/.exec(b.toString('latin1'));
  return m ? { major: Number(m[1]), minor: Number(m[2]) } : null;
}

/** Shared driver: run state handlers until one needs more bytes or the handshake ends. */
abstract class Machine<R> {
  protected readonly q = new ByteQueue();
  private out: Buffer[] = [];
  private over = false;

  protected abstract step(): Outcome<R>;

  protected send(b: Buffer): void {
    this.out.push(b);
  }

  protected flush(): Buffer[] {
    const out = this.out;
    this.out = [];
    return out;
  }

  /** Feed received bytes. Must not be called after the handshake has ended (a caller bug). */
  feed(chunk: Uint8Array): HandshakeStep<R> {
    if (this.over) throw new Error('RFB handshake already ended');
    this.q.push(chunk);
    for (;;) {
      const o = this.step();
      if (o.kind === 'wait') return { status: 'pending', send: this.flush() };
      if (o.kind === 'next') continue;
      this.over = true;
      if (o.kind === 'done') return { status: 'done', send: this.flush(), result: o.result };
      return { status: 'failed', send: this.flush(), error: o.error };
    }
  }
}

type DesktopState = 'version' | 'security-33' | 'security-types' | 'challenge' | 'security-result' | 'reason' | 'server-init';

export class DesktopHandshake extends Machine<DesktopHandshakeResult> {
  // An ES private field: util.inspect and loggers that walk objects do not see it.
  readonly #password: string;
  private state: DesktopState = 'version';
  private version: RfbVersion = '3.8';
  private reasonCode: HandshakeErrorCode = 'refused';

  constructor(password: string) {
    super();
    this.#password = password;
  }

  protected step(): Outcome<DesktopHandshakeResult> {
    switch (this.state) {
      case 'version': {
        const b = this.q.take(VERSION_LENGTH);
        if (!b) return WAIT;
        const v = parseVersion(b);
        if (!v) return fail('protocol-error', 'the desktop did not send an RFB version');
        // 3.5 was misreported by old software and 3.6 is UltraVNC: both speak 3.3 (RFC 6143 §7.1.1).
        if (v.major > 3 || (v.major === 3 && v.minor >= 8)) this.version = '3.8';
        else if (v.major === 3 && v.minor === 7) this.version = '3.7';
        else if (v.major === 3 && v.minor >= 3 && v.minor <= 6) this.version = '3.3';
        else return fail('unsupported-version', `the desktop speaks RFB ${v.major}.${v.minor}`);
        this.send(Buffer.from(VERSION_STRING[this.version], 'latin1'));
        this.state = this.version === '3.3' ? 'security-33' : 'security-types';
        return NEXT;
      }
      case 'security-33': {
        // 3.3: the server decides; 0 means failure followed by a reason.
        const b = this.q.take(4);
        if (!b) return WAIT;
        return this.chooseSecurity([b.readUInt32BE(0)], true);
      }
      case 'security-types': {
        const head = this.q.peek(1);
        if (!head) return WAIT;
        const n = head[0] ?? 0;
        if (n === 0) {
          this.q.take(1);
          return this.readReasonNext('refused');
        }
        const b = this.q.take(1 + n);
        if (!b) return WAIT;
        return this.chooseSecurity([...b.subarray(1)], false);
      }
      case 'challenge': {
        const challenge = this.q.take(VNC_AUTH_CHALLENGE_LENGTH);
        if (!challenge) return WAIT;
        this.send(vncAuthResponse(challenge, this.#password));
        this.state = 'security-result';
        return NEXT;
      }
      case 'security-result': {
        const b = this.q.take(4);
        if (!b) return WAIT;
        if (b.readUInt32BE(0) === SecurityResult.Ok) {
          this.send(Buffer.from([1])); // ClientInit, shared: other viewers of this desktop must stay connected
          this.state = 'server-init';
          return NEXT;
        }
        // Only 3.8 follows a failed SecurityResult with a reason string.
        if (this.version === '3.8') return this.readReasonNext('auth-failed');
        return fail('auth-failed', 'the desktop rejected the VNC password');
      }
      case 'reason': {
        const head = this.q.peek(4);
        if (!head) return WAIT;
        const len = head.readUInt32BE(0);
        if (len > Caps.reasonBytes) return fail('protocol-error', `the desktop's failure reason is too long (${len} bytes)`);
        const b = this.q.take(4 + len);
        if (!b) return WAIT;
        const reason = peerText(b.subarray(4));
        const what = this.reasonCode === 'auth-failed' ? 'the desktop rejected the VNC password' : 'the desktop refused the connection';
        return fail(this.reasonCode, reason ? `${what}: ${reason}` : what, reason);
      }
      case 'server-init': {
        const head = this.q.peek(SERVER_INIT_FIXED_LENGTH);
        if (!head) return WAIT;
        const nameLen = head.readUInt32BE(SERVER_INIT_FIXED_LENGTH - 4);
        if (nameLen > Caps.desktopNameBytes) return fail('protocol-error', `the desktop's name is too long (${nameLen} bytes)`);
        const b = this.q.take(SERVER_INIT_FIXED_LENGTH + nameLen);
        if (!b) return WAIT;
        return {
          kind: 'done',
          result: {
            version: this.version,
            serverInit: Buffer.from(b), // a copy: must not pin the (possibly large) chunk it came in
            width: b.readUInt16BE(0),
            height: b.readUInt16BE(2),
            name: peerText(b.subarray(4 + PIXEL_FORMAT_LENGTH + 4)),
            leftover: this.q.drain(),
          },
        };
      }
    }
  }

  private readReasonNext(code: HandshakeErrorCode): Outcome<DesktopHandshakeResult> {
    this.reasonCode = code;
    this.state = 'reason';
    return NEXT;
  }

  private chooseSecurity(offered: number[], serverChose: boolean): Outcome<DesktopHandshakeResult> {
    if (serverChose && offered[0] === SecurityType.Invalid) return this.readReasonNext('refused');
    if (offered.includes(SecurityType.VncAuth)) {
      if (!serverChose) this.send(Buffer.from([SecurityType.VncAuth]));
      this.state = 'challenge';
      return NEXT;
    }
    // A desktop that accepts anyone is misconfigured (or not ours): connecting would hide that.
    if (offered.includes(SecurityType.None)) {
      return fail('no-auth-offered', 'the desktop does not require a password; refusing to connect to it');
    }
    return fail('security-mismatch', `the desktop offers no VNC Authentication (security types ${offered.join(',')})`);
  }
}

type BrowserState = 'version' | 'security-choice' | 'client-init';

export class BrowserHandshake extends Machine<BrowserHandshakeResult> {
  private state: BrowserState = 'version';
  private version: RfbVersion = '3.8';

  /** The server speaks first: our ProtocolVersion. */
  start(): Buffer[] {
    return [Buffer.from(VERSION_STRING['3.8'], 'latin1')];
  }

  protected step(): Outcome<BrowserHandshakeResult> {
    switch (this.state) {
      case 'version': {
        const b = this.q.take(VERSION_LENGTH);
        if (!b) return WAIT;
        const v = parseVersion(b);
        if (!v) return fail('protocol-error', 'the viewer did not send an RFB version');
        if (v.major === 3 && (v.minor === 3 || v.minor === 5)) this.version = '3.3';
        else if (v.major === 3 && v.minor === 7) this.version = '3.7';
        else if (v.major === 3 && v.minor === 8) this.version = '3.8';
        else return fail('unsupported-version', `the viewer asked for RFB ${v.major}.${v.minor}`);
        if (this.version === '3.3') {
          // 3.3: the server names the type; None has no SecurityResult before 3.8.
          this.send(u32(SecurityType.None));
          this.state = 'client-init';
        } else {
          this.send(Buffer.from([1, SecurityType.None]));
          this.state = 'security-choice';
        }
        return NEXT;
      }
      case 'security-choice': {
        const b = this.q.take(1);
        if (!b) return WAIT;
        const chosen = b[0] ?? 0;
        if (chosen !== SecurityType.None) {
          const reason = `security type ${chosen} was not offered; this gateway offers only None`;
          this.send(u32(SecurityResult.Failed));
          if (this.version === '3.8') {
            const text = Buffer.from(reason, 'utf8');
            this.send(Buffer.concat([u32(text.length), text]));
          }
          return fail('security-mismatch', `the viewer chose ${reason}`);
        }
        if (this.version === '3.8') this.send(u32(SecurityResult.Ok));
        this.state = 'client-init';
        return NEXT;
      }
      case 'client-init': {
        const b = this.q.take(1);
        if (!b) return WAIT;
        return { kind: 'done', result: { version: this.version, sharedFlag: b[0] !== 0, leftover: this.q.drain() } };
      }
    }
  }
}
