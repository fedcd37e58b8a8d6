// The order of a driver's calls: calls on one desktop (and creates of one person's personal desktops)
// run one after another, different ones concurrently; a desktop being created is not reported by
// list/inspect until its create answers. Shared by the process, docker and qemu drivers.
import type { DesktopHandle, DesktopSpec } from './driver.ts';

export interface DesktopQueue {
  /** Calls on one key run one after another; different keys run concurrently. */
  serial<T>(key: string, fn: () => Promise<T>): Promise<T>;
  /**
   * `fn` on the desktop's queue, marked as creating meanwhile; with `perHome`, a personal desktop's
   * create also queues behind its person's other creates, so two cannot both pass a holder check.
   */
  create(spec: DesktopSpec, fn: () => Promise<DesktopHandle>, perHome?: boolean): Promise<DesktopHandle>;
  /** Desktops whose create has not answered yet. */
  readonly creating: ReadonlySet<string>;
}

export function createDesktopQueue(): DesktopQueue {
  const queues = new Map<string, Promise<unknown>>();
  const creating = new Set<string>();
  function serial<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const next = (queues.get(key) ?? Promise.resolve()).then(fn, fn);
    const tail = next.catch(() => undefined);
    queues.set(key, tail);
    void tail.then(() => queues.get(key) === tail && queues.delete(key));
    return next;
  }
  return {
    serial,
    creating,
    create(spec, fn, perHome = false) {
      const run = (): Promise<DesktopHandle> =>
        serial(spec.desktopId, async () => {
          creating.add(spec.desktopId);
          try {
            return await fn();
          } finally {
            creating.delete(spec.desktopId);
          }
        });
      return perHome && spec.persistence === 'personal' ? serial(`home:${spec.homeKey}`, run) : run();
    },
  };
}
