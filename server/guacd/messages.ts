// What people read when RDP cannot work because of guacd: one line for admins and operators (what
// is wrong, what to do) and one for the people launching desktops. Both begin "RDP needs guacd".
import type { GuacdStatus } from './guacd.ts';

export const INSTALL_HINT =
  "install guacd on the gateway machine (your distribution's guacd package, or infra/guacd.sh with Apache's guacamole-server release tarball) and restart the gateway, or run the official guacamole/guacd container image and start the gateway with --guacd HOST:PORT";

export const problems = {
  absent: (): string => `RDP needs guacd: none is installed here; ${INSTALL_HINT}.`,
  off: (): string => 'RDP needs guacd: this gateway was started with --no-guacd; restart it without that flag (or with --guacd HOST:PORT).',
  starting: (): string => 'RDP needs guacd: it is starting.',
  restarting: (why: string, inS: number): string =>
    `RDP needs guacd: it ${why}; it is restarted in ${inS} s (the gateway log has guacd's own lines).`,
  unreachable: (where: string, why: string): string =>
    `RDP needs guacd: the guacd at ${where} does not answer (${why}); check that it runs and that this gateway can reach it.`,
};

/**
 * Why a pool of this protocol cannot be launched now, for the person launching it; null when it can.
 * VNC pools never depend on guacd.
 */
export function unavailableFor(protocol: string, status: GuacdStatus, audience: 'user' | 'admin'): string | null {
  if (protocol === 'vnc' || status.state === 'up') return null;
  if (audience === 'admin') return status.problem ?? problems.absent();
  return status.state === 'absent'
    ? 'RDP needs guacd, which is not installed on this gateway. Ask your admin to install it.'
    : 'RDP needs guacd, which is not answering right now. Try again in a minute; if it lasts, tell your admin.';
}
