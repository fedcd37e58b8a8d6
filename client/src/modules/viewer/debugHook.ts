// Test hook. While the viewer page is open, `window.__deskport` reads
//   { rfbState: 'connecting' | 'connected' | 'disconnected', sessionId: string, attempts: number, protocol?: string }
// so end-to-end tests can wait for a live display without scraping the canvas. `attempts` counts
// connection attempts (each one with a fresh ticket) since the page opened; the shadow viewer adds
// `shadowId`. It carries no secrets.

export type RfbDebugState = 'connecting' | 'connected' | 'disconnected';

export interface DeskportDebug {
  rfbState: RfbDebugState;
  sessionId: string;
  attempts: number;
  /** The display's protocol once a ticket named it: 'vnc', 'rdp' or 'ssh'. */
  protocol?: string;
  /** Set on the shadow viewer (/shadow/:shadowId). */
  shadowId?: string;
}

declare global {
  interface Window {
    __deskport?: DeskportDebug;
  }
}

export function publishDebug(state: DeskportDebug): void {
  if (typeof window !== 'undefined') window.__deskport = { ...state };
}
