// Displays checked against the store again, because a close sent by another gateway can be lost
// (signals are at most once; docs/store.md "Between gateways"): every CHECK_MS a helpdesk display
// whose shadow is no longer approved in its mode is closed, and after a gap in the signals every
// display whose session stopped or whose person was disabled is closed too.
import { DisplayClose } from '../../contract/display.ts';
import type { Logger } from '../log.ts';
import type { Viewers } from '../broker/viewers.ts';
import type { Store } from '../store/types.ts';

export const CHECK_MS = 2_000;

export function startDisplayRecheck(o: {
  store: Pick<Store, 'listActiveShadows' | 'getSession' | 'getUser'>;
  viewers: Viewers;
  log: Logger;
  everyMs?: number;
}) {
  let running: Promise<void> | null = null;

  async function shadows(): Promise<void> {
    const helpers = [...o.viewers.local()].filter(([, v]) => v.shadowId !== undefined);
    if (helpers.length === 0) return;
    const active = await o.store.listActiveShadows({ sessionIds: [...new Set(helpers.map(([s]) => s))] });
    const approved = new Map(active.filter((s) => s.state === 'approved').map((s) => [s.id, s]));
    for (const [sessionId, v] of helpers) {
      const s = approved.get(v.shadowId!);
      if (!s || s.sessionId !== sessionId || s.requesterId !== v.userId || s.mode !== v.mode)
        v.close(DisplayClose.ShadowEnded, 'the shadow session ended');
    }
  }

  async function everything(): Promise<void> {
    const all = [...o.viewers.local()];
    const sessions = new Map<string, boolean>();
    const users = new Map<string, boolean>();
    for (const [sessionId, v] of all) {
      if (!sessions.has(sessionId)) sessions.set(sessionId, (await o.store.getSession(sessionId))?.state === 'ready');
      if (!users.has(v.userId)) users.set(v.userId, (await o.store.getUser(v.userId))?.disabled === false);
    }
    for (const [sessionId, v] of all) {
      if (!users.get(v.userId)) v.close(DisplayClose.AccountDisabled, 'your account was disabled');
      else if (!sessions.get(sessionId)) v.close(DisplayClose.SessionEnded, 'the session ended');
    }
    await shadows();
  }

  const run = (what: () => Promise<void>): Promise<void> =>
    (running ??= what()
      .catch((err: unknown) => o.log.warn({ err }, 'could not check the open displays against the store'))
      .finally(() => (running = null)));

  const timer = setInterval(() => void run(shadows), o.everyMs ?? CHECK_MS);
  timer.unref();
  return {
    /** After a gap in the signals: everything, now (after a check already running). */
    async all(): Promise<void> {
      await running;
      await run(everything);
    },
    stop: () => clearInterval(timer),
  };
}
