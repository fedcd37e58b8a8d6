// Close codes of the display WebSockets (/ws/vnc, /ws/rdp): what the gateway tells a viewer when it ends the
// stream. The browser reads them to decide between "reconnect", "explain" and "stop".
export const DisplayClose = {
  Normal: 1000,
  /** The desktop went away after the session started (or the gateway is shutting down). */
  DesktopGone: 1001,
  /** The session ended (by its owner, an admin, or a timeout). */
  SessionEnded: 4000,
  /** The helpdesk shadow this viewer belonged to ended. */
  ShadowEnded: 4001,
  /** The person's account was disabled. */
  AccountDisabled: 4010,
  /** The person no longer may use this desktop (group or pool changed). */
  AccessRevoked: 4011,
  /** /ws/rdp: the viewer sent nothing (not even its keep-alive pings) for the configured time (`viewerTimeoutS`);
   *  its display was closed and the desktop connection freed. A page that wakes up reconnects. */
  ViewerSilent: 4408,
  /** The viewer sent something the gateway does not accept: not RFB (/ws/vnc), or a malformed, oversized
   *  or unknown Guacamole instruction (/ws/rdp). Only that connection closes; the reason says what. */
  BadViewerStream: 4400,
  /** The gateway could not open the desktop's RFB session (refused credentials, bad handshake, timeout). */
  DesktopFailed: 4502,
  /** The desktop's host is unreachable right now; retrying may help. */
  DesktopUnreachable: 4503,
  /** /ws/rdp: guacd (the gateway's RDP/SSH proxy) is not running or stopped during the session;
   *  reconnecting may help once it is back (the gateway restarts a supervised guacd). */
  GuacdUnavailable: 4504,
} as const;
export type DisplayCloseCode = (typeof DisplayClose)[keyof typeof DisplayClose];
