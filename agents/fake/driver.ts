// A scripted fake DesktopDriver for broker and scheduler UNIT tests only (like Coder's echo
// provisioner): it starts nothing, keeps its inventory in memory and cannot be displayed
// (openStream rejects). Each create/destroy plays back a scripted outcome after an injected delay.
import type { Socket } from 'node:net';
import type { DesktopDriver, DesktopHandle, DesktopSpec } from '../driver.ts';

export type FakeOutcome =
  | { kind: 'succeed'; afterMs?: number }
  | { kind: 'fail'; message: string; afterMs?: number }
  /** Never settles; rejects with the abort reason if the caller's signal aborts. */
  | { kind: 'hang' };

export interface FakeDriverOptions {
  name?: DesktopDriver['name'];
  /** Waits `ms` (default: a real timer). Inject one tied to a manual clock to keep tests instant. */
  delay?: (ms: number, signal?: AbortSignal) => Promise<void>;
  now?: () => number;
  /** Played when no scripted outcome is queued. Default: succeed at once. */
  defaultOutcome?: FakeOutcome;
}

export type FakeCall = { op: 'create' | 'destroy' | 'inspect' | 'list' | 'openStream' | 'close'; desktopId?: string };

export interface FakeDriver extends DesktopDriver {
  /** Queues outcomes for the next create() calls, first in first out. */
  scriptCreate(...outcomes: FakeOutcome[]): void;
  /** Queues outcomes for the next destroy() calls of known desktops. */
  scriptDestroy(...outcomes: FakeOutcome[]): void;
  /** Marks a desktop stopped, as if it crashed on its host. */
  crash(desktopId: string): void;
  /** Every call in order, for assertions. */
  readonly calls: readonly FakeCall[];
}

const realDelay = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(timer), reject(signal.reason)), { once: true });
  });

export function createFakeDriver(options: FakeDriverOptions = {}): FakeDriver {
  const delay = options.delay ?? realDelay;
  const now = options.now ?? Date.now;
  const fallback = options.defaultOutcome ?? { kind: 'succeed' };
  const inventory = new Map<string, DesktopHandle>();
  const createScript: FakeOutcome[] = [];
  const destroyScript: FakeOutcome[] = [];
  const calls: FakeCall[] = [];

  async function play(outcome: FakeOutcome, signal?: AbortSignal): Promise<void> {
    if (outcome.kind === 'hang') {
      return new Promise((_resolve, reject) => {
        signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
      });
    }
    if (outcome.afterMs) await delay(outcome.afterMs, signal);
    signal?.throwIfAborted();
    if (outcome.kind === 'fail') throw new Error(outcome.message);
  }

  return {
    name: options.name ?? 'process',
    calls,
    scriptCreate: (...outcomes) => void createScript.push(...outcomes),
    scriptDestroy: (...outcomes) => void destroyScript.push(...outcomes),
    crash(desktopId) {
      const h = inventory.get(desktopId);
      if (h) inventory.set(desktopId, { ...h, state: 'stopped' });
    },

    async create(spec: DesktopSpec, signal?: AbortSignal) {
      calls.push({ op: 'create', desktopId: spec.desktopId });
      if (!/^[a-z0-9-]{1,64}$/.test(spec.desktopId)) throw new Error('invalid desktop spec: desktopId must match [a-z0-9-]{1,64}');
      if (spec.persistence !== 'pooled' && spec.persistence !== 'personal')
        throw new Error(`invalid desktop spec: persistence must be 'pooled' or 'personal'`);
      const existing = inventory.get(spec.desktopId);
      if (existing?.state === 'running') return existing;
      await play(createScript.shift() ?? fallback, signal);
      const handle: DesktopHandle = { desktopId: spec.desktopId, state: 'running', startedAt: now() };
      inventory.set(spec.desktopId, handle);
      return handle;
    },

    async destroy(desktopId) {
      calls.push({ op: 'destroy', desktopId });
      if (!inventory.has(desktopId)) return;
      await play(destroyScript.shift() ?? { kind: 'succeed' });
      inventory.delete(desktopId);
    },

    async inspect(desktopId) {
      calls.push({ op: 'inspect', desktopId });
      return inventory.get(desktopId) ?? null;
    },

    async list() {
      calls.push({ op: 'list' });
      return [...inventory.values()];
    },

    async openStream(desktopId, channel = 'vnc'): Promise<Socket> {
      calls.push({ op: 'openStream', desktopId });
      if (channel === 'rdp') {
        // No desktop of this fake serves RDP: refused the way a real driver refuses a channel it lacks.
        throw Object.assign(new Error(`fake driver: desktop ${desktopId} does not serve rdp`), { code: 'unsupported_channel' });
      }
      throw new Error(`fake driver: desktop ${desktopId} has no display (unit tests only)`);
    },

    async close() {
      calls.push({ op: 'close' });
    },
  };
}
