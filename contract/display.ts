// Close codes of the display WebSockets (/ws/vnc): what the gateway tells a viewer when it ends the
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
  /** The viewer sent something that is not RFB the gateway accepts. */
  BadViewerStream: 4400,
  /** The gateway could not open the desktop's RFB session (refused credentials, bad handshake, timeout). */
  DesktopFailed: 4502,
  /** The desktop's host is unreachable right now; retrying may help. */
  DesktopUnreachable: 4503,
} as const;
export type DisplayCloseCode = (typeof DisplayClose)[keyof typeof DisplayClose];
