// VNC displays with noVNC, behind the RemoteDisplay shape (remoteDisplay.ts). The display socket is
// opened here and handed to noVNC so that its close code is known: noVNC's own disconnect event
// does not carry it, and some codes mean "stop, do not reconnect".
import type RFB from '@novnc/novnc';
import type { OpenDisplay } from './remoteDisplay.ts';
import { toWebSocketUrl } from './wsUrl.ts';

const DISPLAY_BACKGROUND = '#0e1116';

export function noVncDisplay(RFBClass: typeof RFB, openSocket: (url: string) => WebSocket = (u) => new WebSocket(u)): OpenDisplay {
  return (o, h) => {
    let closeCode: number | undefined;
    const ws = openSocket(toWebSocketUrl(o.url));
    ws.addEventListener('close', (ev) => {
      closeCode = ev.code;
    });
    const rfb = new RFBClass(o.target, ws);
    rfb.scaleViewport = true;
    rfb.resizeSession = o.resizeSession;
    rfb.viewOnly = o.viewOnly;
    rfb.focusOnClick = true;
    rfb.background = DISPLAY_BACKGROUND;
    rfb.addEventListener('connect', () => {
      h.connected();
      rfb.focus();
    });
    rfb.addEventListener('disconnect', (ev) => h.dropped({ ...(closeCode !== undefined ? { closeCode } : {}), clean: ev.detail.clean }));
    rfb.addEventListener('clipboard', (ev) => h.clipboard(ev.detail.text));
    rfb.addEventListener('securityfailure', (ev) => {
      console.warn('Viewer: the display refused the connection', ev.detail);
    });
    return {
      disconnect: () => rfb.disconnect(),
      sendCtrlAltDel: () => rfb.sendCtrlAltDel(),
      paste: (text) => rfb.clipboardPasteFrom(text),
      focus: () => rfb.focus(),
    };
  };
}
