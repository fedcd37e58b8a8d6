// What an RDP/SSH display's end means for the person: from guacd's `error` status (Guacamole.Status
// codes; guacd's RDP messages are in guacamole-server src/protocols/rdp/error.c) or the gateway's
// close code (contract/display.ts), decide between "try again by itself" and "stop and explain".
// Pure, so that it loads without guacamole-common-js and is tested on its own.
import { DisplayClose } from '../../../../../contract/display.ts';

/** Guacamole.Status.Code (guacamole-common-js 1.5.0; the same numbers guacd sends). */
export const GuacStatus = {
  SUCCESS: 0x0000,
  UNSUPPORTED: 0x0100,
  SERVER_ERROR: 0x0200,
  SERVER_BUSY: 0x0201,
  UPSTREAM_TIMEOUT: 0x0202,
  UPSTREAM_ERROR: 0x0203,
  RESOURCE_NOT_FOUND: 0x0204,
  RESOURCE_CONFLICT: 0x0205,
  RESOURCE_CLOSED: 0x0206,
  UPSTREAM_NOT_FOUND: 0x0207,
  UPSTREAM_UNAVAILABLE: 0x0208,
  SESSION_CONFLICT: 0x0209,
  SESSION_TIMEOUT: 0x020a,
  SESSION_CLOSED: 0x020b,
  CLIENT_BAD_REQUEST: 0x0300,
  CLIENT_UNAUTHORIZED: 0x0301,
  CLIENT_FORBIDDEN: 0x0303,
  CLIENT_TIMEOUT: 0x0308,
  CLIENT_OVERRUN: 0x030d,
  CLIENT_BAD_TYPE: 0x030f,
  CLIENT_TOO_MANY: 0x031d,
} as const;

export interface Note {
  title: string;
  text: string;
}

export type GuacEnd =
  /** Try again with backoff (a network blip, guacd restarting); `note` says why when it is not the usual. */
  | { kind: 'retry'; note?: Note }
  /** Stop and explain; the person may try again by hand. */
  | { kind: 'fail'; note: Note };

export interface GuacEndFacts {
  /** The display WebSocket's close code, when the gateway closed it. */
  closeCode?: number;
  /** guacd's `error` instruction, when one arrived. */
  status?: { code: number; message: string };
}

const ASK = 'if it keeps happening, ask your administrator.';

export const GUACD_UNAVAILABLE: Note = {
  title: 'RDP needs guacd, which is not available right now',
  text: 'guacd is the gateway’s RDP and SSH proxy. Deskport tries again by itself and reconnects as soon as it is back; if this lasts, ask your administrator to check guacd.',
};

const NOTES = {
  // guacd sends CLIENT_UNAUTHORIZED for refused RDP and SSH logins; for VNC the gateway does (it
  // reads the server's answer itself: server/display/machine-login.ts). The viewer does not know
  // whose login it was, so the sentence says what to do in both cases.
  credentials: {
    title: 'The machine refused the sign-in',
    text: 'Check the user name and password. If it is your own login for this machine, go back to My desktops, choose Change on the machine’s tile, enter it again, then Resume. If the machine uses a shared login, ask your administrator to update it in Admin → Machines.',
  },
  security: {
    title: 'The machine refused the RDP security mode',
    text: 'The machine and Deskport could not agree on how to secure the connection. Ask your administrator to check the machine’s RDP security setting in Deskport.',
  },
  forbidden: {
    title: 'The machine refused this account',
    text: 'The account may be locked or disabled, its password may have expired, or it may not be allowed to sign in remotely. Ask the machine’s administrator.',
  },
  certificate: {
    title: 'The machine’s certificate was refused',
    text: 'It presented a TLS certificate that is not trusted, so Deskport did not connect. Ask your administrator to give the machine a trusted certificate or to change its certificate policy in Deskport.',
  },
  unreachable: {
    title: 'Cannot reach the machine',
    text: `It may be switched off, or its remote desktop or SSH service may not be running. Try again in a moment; ${ASK}`,
  },
  conflict: {
    title: 'Another connection took over this desktop',
    text: 'Someone (maybe you, elsewhere) connected to the same account on the machine. Reconnect to take it back.',
  },
  idle: { title: 'The machine ended the idle session', text: 'Reconnect to start again.' },
  closed: {
    title: 'The remote session closed',
    text: 'The machine closed it (a log-off, or one of its time limits). Reconnect to start again.',
  },
  joinGone: {
    title: 'The display to join is not open',
    text: 'The person’s connection to this desktop is not open right now. Try again once they are connected.',
  },
  badRequest: {
    title: 'The display refused what this browser sent',
    text: `Reload the page and try again; ${ASK}`,
  },
  tooMany: {
    title: 'Too many connections',
    text: `The machine or the gateway refused another connection. Close other displays and try again; ${ASK}`,
  },
  unsupported: {
    title: 'The machine asked for something Deskport does not support',
    text: `Try again; ${ASK}`,
  },
} satisfies Record<string, Note>;

/** guacd's own words, fit to quote (it sends short English sentences; nothing secret). */
function quote(message: string): string {
  const clean = message
    .replace(/[^\x20-\x7e]/g, '')
    .trim()
    .slice(0, 120);
  return clean ? ` The display proxy said: “${clean}”` : '';
}

function failed(message: string): Note {
  return { title: 'The desktop connection failed', text: `${quote(message)} Try again; ${ASK}`.trim() };
}

function fromStatus(code: number, message: string): GuacEnd {
  const S = GuacStatus;
  switch (code) {
    case S.CLIENT_UNAUTHORIZED:
      return { kind: 'fail', note: /security/i.test(message) ? NOTES.security : NOTES.credentials };
    case S.CLIENT_FORBIDDEN:
      return { kind: 'fail', note: NOTES.forbidden };
    case S.UPSTREAM_NOT_FOUND:
    case S.UPSTREAM_UNAVAILABLE:
    case S.UPSTREAM_TIMEOUT:
      if (/certificate|SSL\/TLS/i.test(message)) return { kind: 'fail', note: NOTES.certificate };
      if (/security type/i.test(message)) return { kind: 'fail', note: NOTES.security };
      return { kind: 'fail', note: NOTES.unreachable };
    case S.SESSION_CONFLICT:
      return { kind: 'fail', note: NOTES.conflict };
    case S.SESSION_TIMEOUT:
      return { kind: 'fail', note: NOTES.idle };
    case S.SESSION_CLOSED:
      return { kind: 'fail', note: NOTES.closed };
    case S.RESOURCE_NOT_FOUND:
    case S.RESOURCE_CLOSED:
      return { kind: 'fail', note: NOTES.joinGone };
    case S.CLIENT_BAD_REQUEST:
    case S.CLIENT_BAD_TYPE:
    case S.CLIENT_OVERRUN:
      return { kind: 'fail', note: NOTES.badRequest };
    case S.CLIENT_TOO_MANY:
      return { kind: 'fail', note: NOTES.tooMany };
    case S.UNSUPPORTED:
      return { kind: 'fail', note: NOTES.unsupported };
    // Busy or timed out on the way: the next attempt may well work.
    case S.SERVER_BUSY:
    case S.CLIENT_TIMEOUT:
      return { kind: 'retry' };
    default:
      return { kind: 'fail', note: failed(message) };
  }
}

/** Decides what an RDP/SSH display's end means. Access codes and a ticket source's end codes are decided before this (connection.ts). */
export function explainGuacEnd(facts: GuacEndFacts): GuacEnd {
  const { status, closeCode } = facts;
  if (status && Number.isInteger(status.code) && status.code !== GuacStatus.SUCCESS) return fromStatus(status.code, status.message);
  switch (closeCode) {
    case DisplayClose.GuacdUnavailable:
      return { kind: 'retry', note: GUACD_UNAVAILABLE };
    case DisplayClose.BadViewerStream:
      return { kind: 'fail', note: NOTES.badRequest };
    default:
      // A network blip, the gateway restarting, the desktop's host unreachable for now: as for VNC.
      // DesktopFailed without guacd's word is ambiguous too (a helpdesk join while the owner's
      // display is reconnecting gets it): retry, as VNC does.
      return { kind: 'retry' };
  }
}
