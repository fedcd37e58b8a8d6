// What the viewer's connection (connection.ts) needs from a display engine: noVNC for VNC desktops,
// guacamole-common-js for RDP and SSH (guac/guacDisplay.ts). Each engine opens one display socket,
// reports connected / dropped / clipboard text, and takes input only when not view-only.
import type { MakeFileSource } from '../files/guacSlot.ts';
import type { Note } from './guac/guacStatus.ts';

export interface RemoteDisplay {
  /** Closes the display; `dropped` follows (with `clean`). */
  disconnect(): void;
  sendCtrlAltDel(): void;
  /** Puts text on the remote clipboard. */
  paste(text: string): void;
  focus(): void;
}

export interface DisplayDrop {
  /** The display WebSocket's close code, when the gateway closed it. */
  closeCode?: number;
  clean: boolean;
  /** The engine's verdict beyond close codes (RDP/SSH: guacd's status): stop and explain. */
  fail?: Note;
  /** Retry, and say why (e.g. guacd is restarting). */
  retryNote?: Note;
}

export interface DisplayHandlers {
  connected(): void;
  dropped(drop: DisplayDrop): void;
  clipboard(text: string): void;
  /** RDP/SSH machines: guacd offered a filesystem (drive, SFTP), or it went with the display (null). */
  files?(make: MakeFileSource | null): void;
}

export interface DisplayOptions {
  /** The element the display fills (its children belong to the engine). */
  target: HTMLElement;
  /** The ticket's url (a path on this origin). */
  url: string;
  /** False for a shadow: it must not resize the owner's screen. */
  resizeSession: boolean;
  /** No input handlers at all. */
  viewOnly: boolean;
}

export type OpenDisplay = (options: DisplayOptions, handlers: DisplayHandlers) => RemoteDisplay;
