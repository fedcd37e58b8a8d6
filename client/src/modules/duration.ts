// Durations for people: "1 h 30 min" in tables, and a number + unit pair in forms, while the API
// speaks whole seconds.

export type DurationUnit = 's' | 'min' | 'h' | 'd';

export const DURATION_UNITS: readonly { unit: DurationUnit; label: string; seconds: number }[] = [
  { unit: 's', label: 'seconds', seconds: 1 },
  { unit: 'min', label: 'minutes', seconds: 60 },
  { unit: 'h', label: 'hours', seconds: 3600 },
  { unit: 'd', label: 'days', seconds: 86400 },
];

const secondsPer = (unit: DurationUnit): number => DURATION_UNITS.find((u) => u.unit === unit)?.seconds ?? 1;

const SHORT = { d: 'd', h: 'h', min: 'min', s: 's' };
const LONG = { d: 'day', h: 'hour', min: 'minute', s: 'second' };

/** "45 s", "10 min", "1 h", "1 h 30 min", "2 d 4 h" (or "1 hour 30 minutes"); two parts at most, rounded down. */
export function formatDuration(totalS: number, { long = false } = {}): string {
  const s = Math.max(0, Math.floor(totalS));
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const unit = (n: number, key: keyof typeof SHORT): string => (long ? `${n} ${LONG[key]}${n === 1 ? '' : 's'}` : `${n} ${SHORT[key]}`);
  if (s < 60) return unit(s, 's');
  const parts: string[] = [];
  if (d) parts.push(unit(d, 'd'));
  if (h) parts.push(unit(h, 'h'));
  if (m) parts.push(unit(m, 'min'));
  if (sec && !d && !h) parts.push(unit(sec, 's'));
  return parts.slice(0, 2).join(' ');
}

export interface DurationInput {
  value: string;
  unit: DurationUnit;
}

/** The largest unit that shows the value exactly: 3600 → 1 h, 5400 → 90 min, 0 → 0 min. */
export function splitDuration(totalS: number): DurationInput {
  if (totalS === 0) return { value: '0', unit: 'min' };
  const fit = [...DURATION_UNITS].reverse().find((u) => totalS % u.seconds === 0) ?? DURATION_UNITS[0]!;
  return { value: String(totalS / fit.seconds), unit: fit.unit };
}

/** Whole seconds, or undefined when the text is not a non-negative number (e.g. "1.5" h → 5400). */
export function toSeconds({ value, unit }: DurationInput): number | undefined {
  const text = value.trim().replace(',', '.');
  if (!/^\d+(\.\d+)?$/.test(text)) return undefined;
  return Math.round(Number(text) * secondsPer(unit));
}
