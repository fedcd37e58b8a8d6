// Reads what the process driver recorded about a session's desktop (state file), so tests can
// look at its home directory and processes from the outside.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Api } from './gateway.ts';

export interface DesktopInfo {
  desktopId: string;
  home: string;
  pids: number[];
  uid: number;
}

export async function desktopInfo(api: Api, dataDir: string, sessionId: string): Promise<DesktopInfo> {
  const all = (await api.get('/api/v1/admin/sessions')).body as { id: string; desktopId: string | null }[];
  const desktopId = all.find((s) => s.id === sessionId)?.desktopId;
  if (!desktopId) throw new Error(`session ${sessionId} has no desktop`);
  const state = JSON.parse(readFileSync(join(dataDir, 'desktops', desktopId, 'state.json'), 'utf8')) as {
    home: string;
    uid: number;
    spawned: { pid: number }[];
    xvnc: { pid: number } | null;
  };
  const pids = [...state.spawned.map((p) => p.pid), ...(state.xvnc ? [state.xvnc.pid] : [])];
  return { desktopId, home: state.home, pids: [...new Set(pids)], uid: state.uid };
}
