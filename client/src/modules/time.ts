// Human-readable durations and times for cards, tables and the launch timer.

export function formatElapsed(ms: number): string {
  const s = Math.max(0, ms) / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${Math.floor(s % 60)} s`;
}

export function formatAgo(at: number | undefined, now = Date.now()): string {
  if (at === undefined) return '—';
  const s = Math.round((now - at) / 1000);
  if (s < 10) return 'just now';
  if (s < 60) return `${s} s ago`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ago`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h} h ${m % 60} min ago`;
  return new Date(at).toLocaleDateString();
}

export function formatDateTime(at: number | undefined): string {
  return at === undefined ? '' : new Date(at).toLocaleString();
}
