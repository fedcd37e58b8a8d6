// guacd connection settings for a display, built on the server only: the browser contributes its
// display size, DPI and time zone (validated and capped here), never a host, port or credential.
// Values are strings: guacamole-lite drops falsy settings, so `false` would never reach guacd.
import type { TicketMode } from '../../contract/api/desktops.ts';
import type { GuacdSettings } from 'guacamole-lite/lib/GuacdClient.js';

export interface BrowserDisplay {
  width: number;
  height: number;
  dpi: number;
  timezone?: string;
}

const LIMITS = { width: [320, 7680, 1024], height: [200, 4320, 768], dpi: [48, 384, 96] } as const;
const TIMEZONE = /^[A-Za-z][A-Za-z0-9_+\-/]{0,63}$/;

function clampInt(raw: string | null, [min, max, fallback]: readonly [number, number, number]): number {
  if (raw === null || !/^\d{1,6}$/.test(raw)) return fallback;
  return Math.min(max, Math.max(min, Number(raw)));
}

/** The display the browser asked for in its connect query (guacamole-common-js: width, height, dpi, timezone). */
export function browserDisplay(q: URLSearchParams): BrowserDisplay {
  const tz = q.get('timezone');
  return {
    width: clampInt(q.get('width'), LIMITS.width),
    height: clampInt(q.get('height'), LIMITS.height),
    dpi: clampInt(q.get('dpi'), LIMITS.dpi),
    ...(tz && TIMEZONE.test(tz) ? { timezone: tz } : {}),
  };
}

/** What guacd's handshake needs besides the protocol's own arguments. */
function common(d: BrowserDisplay): GuacdSettings {
  return {
    width: d.width,
    height: d.height,
    dpi: d.dpi,
    audio: [],
    video: [],
    image: ['image/png', 'image/jpeg', 'image/webp'],
    timezone: d.timezone ?? null,
  };
}

/** An RDP desktop Deskport started (xrdp + xorgxrdp), reached through a loopback forward. */
export function ownRdpDesktop(o: {
  port: number;
  display: BrowserDisplay;
  mode: TicketMode;
  secret: string;
  /** Policy parameters (clipboardParams). */
  extra?: GuacdSettings;
}): GuacdSettings {
  return {
    ...common(o.display),
    hostname: '127.0.0.1',
    port: String(o.port),
    security: 'any',
    // The certificate is the desktop's own self-signed one, and the bytes already travel inside
    // the agent's authenticated stream (or the embedded agent's local socket): nothing on the way
    // could present another certificate. Existing machines get their own policy, never this.
    'ignore-cert': 'true',
    'resize-method': 'display-update',
    // libxup checks no password, but xrdp shows its login dialog unless both fields are filled
    // (measured: a name alone still gets the dialog). The desktop's own secret is what we have;
    // it stays between the gateway and guacd on loopback.
    username: 'deskport',
    password: o.secret,
    // No drive, printing or audio input: nothing in the settings turns them on.
    ...o.extra,
    ...(o.mode === 'view' ? { 'read-only': 'true', 'disable-paste': 'true' } : {}),
  };
}

/**
 * An existing machine, reached through a loopback forward onto the agent's stream to it. Its own
 * parameters (credentials, RDP security and certificate policy, domain) come from the machine's
 * record (server/broker/machines.ts guacSettings); the browser adds only the display's size.
 */
export function machineSettings(o: {
  port: number;
  display: BrowserDisplay;
  mode: TicketMode;
  protocol: 'rdp' | 'vnc' | 'ssh';
  settings: Record<string, string>;
  /** Policy parameters (clipboardParams, fileParams): after the machine's own, so they win. */
  extra?: GuacdSettings;
}): GuacdSettings {
  return {
    ...common(o.display),
    ...o.settings,
    ...o.extra,
    hostname: '127.0.0.1',
    port: String(o.port),
    ...(o.protocol === 'rdp' ? { 'resize-method': 'display-update' } : {}),
    ...(o.mode === 'view' ? { 'read-only': 'true', 'disable-paste': 'true' } : {}),
  };
}

/** A helpdesk display joining the owner's live guacd connection (guacd's `join`). */
export function joinSettings(o: { display: BrowserDisplay; mode: TicketMode }): GuacdSettings {
  return { ...common(o.display), 'read-only': o.mode === 'view' ? 'true' : 'false' };
}

/** guacd's own clipboard switches for the session policy (the gateway filters the streams again, stream-policy.ts). */
export function clipboardParams(rule: { toDesktop: boolean; fromDesktop: boolean }): GuacdSettings {
  return { ...(rule.fromDesktop ? {} : { 'disable-copy': 'true' }), ...(rule.toDesktop ? {} : { 'disable-paste': 'true' }) };
}

/** A safe POSIX user name: what a home directory may be derived from. */
const USER_NAME = /^[a-z_][a-z0-9_.-]{0,31}$/i;

/**
 * Files for an existing machine: RDP drive redirection onto a folder of the gateway (drivePath, one
 * per session, made by guacd), SFTP for SSH rooted at the account's home. guacd's own upload/download
 * switches follow the policy; with both off nothing is offered at all. VNC machines get no files
 * (guacd's VNC SFTP would need a second, SSH login).
 */
export function fileParams(
  protocol: 'rdp' | 'vnc' | 'ssh',
  files: { upload: boolean; download: boolean },
  o: { drivePath?: string; username?: string },
): GuacdSettings {
  if (!files.upload && !files.download) return {};
  const off = (name: string, on: boolean) => (on ? {} : { [name]: 'true' });
  if (protocol === 'rdp' && o.drivePath)
    return {
      'enable-drive': 'true',
      'drive-name': 'Deskport',
      'drive-path': o.drivePath,
      'create-drive-path': 'true',
      ...off('disable-download', files.download),
      // Not guacd's disable-upload: with it, guacd 1.6.0 against xrdp 0.9.21 never got past loading its
      // keymap (test/integration/rdp-drive.test.ts). The gateway refuses upload streams itself
      // (stream-policy.ts), before guacd sees them.
    };
  if (protocol === 'ssh') {
    const user = o.username && USER_NAME.test(o.username) ? o.username : null;
    return {
      'enable-sftp': 'true',
      // guacd needs an absolute root; the account's home by the usual convention, else the whole tree.
      'sftp-root-directory': user === 'root' ? '/root' : user ? `/home/${user}` : '/',
      ...off('sftp-disable-download', files.download),
      ...off('sftp-disable-upload', files.upload),
    };
  }
  return {};
}
