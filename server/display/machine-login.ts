// How the sign-in on an existing VNC machine went, for the viewer's message: guacd 1.6.0 answers a
// refused VNC password exactly like an unreachable server (status 0x0207 "Aborted. See logs."), so the
// gateway watches the RFB security step on the machine's byte stream (server/rfb/security-outcome.ts)
// and, when the server refused the password, hands the browser guacd's own code for refused
// credentials (0x0301, as guacd sends for RDP and SSH) instead. Other protocols pass untouched.
import { encodeInstruction } from '../guac/instructions.ts';
import type { DesktopLink } from '../relay/desktop-link.ts';
import { watchRfbSecurity } from '../rfb/security-outcome.ts';

/** Guacamole's CLIENT_UNAUTHORIZED: what guacd itself sends for refused RDP and SSH credentials. */
export const GUAC_CLIENT_UNAUTHORIZED = '769';

export interface MachineLogin {
  /** The link to hand to the forward (the same one when nothing is watched). */
  link: DesktopLink;
  /** guacd's `error` instruction, or the gateway's clearer one when the machine refused the login. */
  explain(errorInstruction: string): string;
}

export function watchMachineLogin(protocol: 'rdp' | 'vnc' | 'ssh', inner: DesktopLink): MachineLogin {
  if (protocol !== 'vnc') return { link: inner, explain: (text) => text };
  const watch = watchRfbSecurity();
  const link: DesktopLink = {
    get bufferedAmount() {
      return inner.bufferedAmount;
    },
    get open() {
      return inner.open;
    },
    send(data, done) {
      watch.fromClient(data);
      inner.send(data, done);
    },
    pause: () => inner.pause(),
    resume: () => inner.resume(),
    close: (reason) => inner.close(reason),
    onData: (fn) =>
      inner.onData((chunk) => {
        watch.fromServer(chunk);
        fn(chunk);
      }),
    onClose: (fn) => inner.onClose(fn),
    onError: (fn) => inner.onError(fn),
    onProtocolError: (fn) => inner.onProtocolError(fn),
  };
  return {
    link,
    explain(text) {
      const o = watch.outcome();
      if (o.kind !== 'auth_failed') return text;
      const said = o.reason ? ` (the server said: ${o.reason.slice(0, 80)})` : '';
      return encodeInstruction('error', `VNC authentication failed: wrong password${said}`, GUAC_CLIENT_UNAUTHORIZED);
    },
  };
}
