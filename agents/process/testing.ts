// Test support for the process driver's integration tests: a temporary data dir and a cleanup that
// stops every desktop recorded in it (even after a failed test). The VNC client is test/helpers/vnc-login.ts.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createProcessDriver } from './driver.ts';
import { layout, readAllStates } from './layout.ts';
import { stopProcesses } from './procfs.ts';

export function tempDataDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'deskport-process-'));
}

/** Destroys every desktop recorded under dataDir, kills by recorded uid whatever a broken destroy left,
 *  and removes the directory. Never touches processes of uid 0 or of this test process's uid. */
export async function removeAllDesktops(dataDir: string): Promise<void> {
  const driver = createProcessDriver({ dataDir });
  for (const h of await driver.list().catch(() => [])) await driver.destroy(h.desktopId).catch(() => undefined);
  await driver.close();
  const me = process.getuid?.() ?? 0;
  for (const s of await readAllStates(layout(dataDir))) {
    if (s.uid === 0 || s.uid === me) continue;
    await stopProcesses({ graceMs: 500, select: (procs) => procs.filter((p) => p.uid === s.uid) });
  }
  await rm(dataDir, { recursive: true, force: true });
}
