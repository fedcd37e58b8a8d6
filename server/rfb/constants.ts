// RFB 3.8 (RFC 6143) numbers the gateway needs: message types, security types, versions, and the
// caps applied to every length read off the wire. One place, so parsers and tests agree.

/** Client-to-server message types (RFC 6143 §7.5 plus the registered extensions noVNC uses). */
export const ClientMessageType = {
  SetPixelFormat: 0,
  SetEncodings: 2,
  FramebufferUpdateRequest: 3,
  KeyEvent: 4,
  PointerEvent: 5,
  ClientCutText: 6,
  EnableContinuousUpdates: 150,
  ClientFence: 248,
  Xvp: 250,
  SetDesktopSize: 251,
  Qemu: 255,
} as const;
export type ClientMessageTypeName = keyof typeof ClientMessageType;

/** Server-to-client message types the gateway understands (view-only viewers' stream is parsed). */
export const ServerMessageType = {
  FramebufferUpdate: 0,
  SetColourMapEntries: 1,
  Bell: 2,
  ServerCutText: 3,
  EndOfContinuousUpdates: 150,
  ServerFence: 248,
  Xvp: 250,
} as const;

/** Encodings and pseudo-encodings (RFC 6143 §7.7 and the community registry). */
export const Encoding = {
  Raw: 0,
  CopyRect: 1,
  Tight: 7,
  ZRLE: 16,
  Cursor: -239,
  DesktopSize: -223,
  LastRect: -224,
  QualityLevel0: -32,
  CompressLevel0: -256,
  QemuExtendedKeyEvent: -258,
  QemuAudio: -259,
  DesktopName: -307,
  ExtendedDesktopSize: -308,
  Xvp: -309,
  Fence: -312,
  ContinuousUpdates: -313,
  ExtendedMouseButtons: -316,
  /** 0xC0A1E5CE as a signed 32-bit number. */
  ExtendedClipboard: -1063131698,
} as const;

/** QEMU client message (type 255) submessage types. */
export const QemuSubtype = { ExtendedKeyEvent: 0, Audio: 1 } as const;

/** QEMU audio operations: 0 enable and 1 disable are 4 bytes, 2 set-format is 10. */
export const QemuAudioOp = { Enable: 0, Disable: 1, SetFormat: 2 } as const;

export const SecurityType = { Invalid: 0, None: 1, VncAuth: 2 } as const;

/** SecurityResult status words. */
export const SecurityResult = { Ok: 0, Failed: 1 } as const;

/** Pseudo-encoding: noVNC's 7-byte PointerEvent, whose use only the server→client stream reveals. */
export const EXTENDED_MOUSE_BUTTONS_ENCODING = Encoding.ExtendedMouseButtons;

export type RfbVersion = '3.3' | '3.7' | '3.8';

export const VERSION_STRING: Record<RfbVersion, string> = {
  '3.3': 'RFB 003.003\n',
  '3.7': 'RFB 003.007\n',
  '3.8': 'RFB 003.008\n',
};
export const VERSION_LENGTH = 12;

export const VNC_AUTH_CHALLENGE_LENGTH = 16;
/** ServerInit before the name: width, height (u16 each), pixel format (16), name length (u32). */
export const SERVER_INIT_FIXED_LENGTH = 24;
export const PIXEL_FORMAT_LENGTH = 16;

/** Caps on lengths read from the wire. Nothing larger is ever buffered. */
export const Caps = {
  /** Reason strings in a failed security handshake. */
  reasonBytes: 1024,
  /** The desktop name in ServerInit. */
  desktopNameBytes: 4096,
  /** Encodings in one SetEncodings (noVNC sends about 30). */
  encodings: 512,
  /** ClientFence payload (the RFB extension itself limits it to 64). */
  fencePayloadBytes: 64,
  /** Screens in one SetDesktopSize. */
  screens: 16,
  /** ClientCutText default; configurable per relay. */
  clipboardBytes: 10 * 1024 * 1024,
} as const;
