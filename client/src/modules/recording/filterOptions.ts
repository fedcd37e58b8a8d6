// The Recordings page's filter choices. The API filters by ids (user, pool, machine, host), so the
// choices are the people, pools, machines and hosts seen in the recordings listed so far, by name.
import type { Recording, RecordingFilter } from '../../api/recordings.ts';

export interface Choice {
  value: string;
  label: string;
}

export interface FilterChoices {
  users: Choice[];
  /** `pool:ID` or `machine:ID`. */
  places: Choice[];
  hosts: Choice[];
}

const EMPTY: FilterChoices = { users: [], places: [], hosts: [] };

function add(list: Choice[], value: string | undefined, label: string | undefined): Choice[] {
  if (!value || list.some((c) => c.value === value)) return list;
  return [...list, { value, label: label ?? value }].sort((a, b) => a.label.localeCompare(b.label));
}

/** Adds what these recordings name to the choices (never removes: a filtered list must not shrink them). */
export function learnChoices(known: FilterChoices = EMPTY, recs: readonly Recording[]): FilterChoices {
  let { users, places, hosts } = known;
  for (const r of recs) {
    users = add(users, r.userId, r.username ?? `${r.userId} (deleted)`);
    if (r.poolId) places = add(places, `pool:${r.poolId}`, `Pool: ${r.poolName ?? r.poolId}`);
    if (r.machineId) places = add(places, `machine:${r.machineId}`, `Machine: ${r.machineName ?? r.machineId}`);
    hosts = add(hosts, r.hostId, r.hostId);
  }
  return { users, places, hosts };
}

/** The form's values as the API's filter. */
export function toFilter(d: { user: string; place: string; host: string; from: string; to: string }): RecordingFilter {
  const f: RecordingFilter = {};
  if (d.user) f.user = d.user;
  if (d.place.startsWith('pool:')) f.pool = d.place.slice(5);
  if (d.place.startsWith('machine:')) f.machine = d.place.slice(8);
  if (d.host) f.host = d.host;
  if (d.from) f.from = d.from;
  if (d.to) f.to = d.to;
  return f;
}
