// Turns the ticket's `url` (a path like /ws/vnc?ticket=…) into a ws:// or wss:// URL on this origin.

export function toWebSocketUrl(url: string, base: Location | URL = location): string {
  const u = new URL(url, base.href);
  if (u.protocol === 'http:') u.protocol = 'ws:';
  else if (u.protocol === 'https:') u.protocol = 'wss:';
  return u.href;
}
