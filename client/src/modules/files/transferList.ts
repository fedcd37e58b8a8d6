// The file panel's list of transfers: progress, speed, outcome. Pure functions over an array kept
// short (finished entries beyond the cap drop off), so the panel never grows without bound.

export interface Transfer {
  id: number;
  direction: 'upload' | 'download';
  name: string;
  /** Folder of the home it goes to or comes from. */
  path: string;
  loaded: number;
  total: number;
  startedAt: number;
  /** Bytes per second, averaged since the start. */
  speed: number;
  state: 'running' | 'done' | 'failed' | 'cancelled';
  error?: string;
  /** What a cancel left behind, when the source knows better than "nothing". */
  note?: string;
  /** The name the person chose, when the desktop stored the file under another (`name`). */
  requestedName?: string;
}

export interface Outcome {
  state: 'done' | 'failed' | 'cancelled';
  error?: string;
  note?: string;
  /** The name the desktop stored an upload under. */
  name?: string;
}

export const MAX_FINISHED = 20;

export function started(list: Transfer[], t: Omit<Transfer, 'loaded' | 'speed' | 'state'>): Transfer[] {
  const next = [{ ...t, loaded: 0, speed: 0, state: 'running' as const }, ...list];
  const finished = next.filter((x) => x.state !== 'running');
  if (finished.length <= MAX_FINISHED) return next;
  const drop = new Set(finished.slice(MAX_FINISHED).map((x) => x.id));
  return next.filter((x) => !drop.has(x.id));
}

export function progressed(list: Transfer[], id: number, loaded: number, now: number, total?: number): Transfer[] {
  return list.map((t) =>
    t.id === id && t.state === 'running'
      ? { ...t, loaded, total: total || t.total, speed: now > t.startedAt ? (loaded * 1000) / (now - t.startedAt) : 0 }
      : t,
  );
}

export function finished(list: Transfer[], id: number, outcome: Outcome): Transfer[] {
  return list.map((t) =>
    t.id === id
      ? {
          ...t,
          state: outcome.state,
          ...(outcome.error ? { error: outcome.error } : {}),
          ...(outcome.note ? { note: outcome.note } : {}),
          ...(outcome.name && outcome.name !== t.name ? { name: outcome.name, requestedName: t.name } : {}),
          // A size not known up front (guacd's downloads) is what arrived.
          ...(outcome.state === 'done' ? (t.total > 0 ? { loaded: t.total } : { total: t.loaded }) : {}),
        }
      : t,
  );
}

/** Path of a folder inside the home as breadcrumbs: [{name: 'Home', path: ''}, {name: 'Downloads', path: 'Downloads'}, …]. */
export function crumbs(path: string): { name: string; path: string }[] {
  const out = [{ name: 'Home', path: '' }];
  if (!path) return out;
  const parts = path.split('/');
  parts.forEach((name, i) => out.push({ name, path: parts.slice(0, i + 1).join('/') }));
  return out;
}

export const join = (folder: string, name: string): string => (folder ? `${folder}/${name}` : name);
