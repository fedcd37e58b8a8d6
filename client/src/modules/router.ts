// A tiny history-API router. Deep links like /desktop/:id work on reload because the gateway answers
// unknown paths with index.html (SPA fallback).
import { useEffect, useState } from 'preact/hooks';

export type Route =
  | { name: 'signin'; next: string }
  | { name: 'desktops' }
  | { name: 'account' }
  | { name: 'launch'; sessionId: string }
  | { name: 'viewer'; sessionId: string }
  | { name: 'helpdesk' }
  | { name: 'shadow'; shadowId: string }
  | { name: 'adminDashboard' }
  | { name: 'adminUsers' }
  | { name: 'adminSessions' }
  | { name: 'adminPools' }
  | { name: 'adminHosts' }
  | { name: 'adminMachines'; sshHost?: string }
  | { name: 'adminAudit' }
  | { name: 'adminIdentity' }
  | { name: 'recordings' }
  | { name: 'recording'; recordingId: string }
  | { name: 'notFound' };

/** One-time messages My desktops shows when it is opened with `?notice=…`. */
export type DesktopsNotice = 'launch-cancelled';

export const paths = {
  signin: (next?: string) => (next && next !== '/' ? `/signin?next=${encodeURIComponent(next)}` : '/signin'),
  /** My desktops; `notice` shows a one-time message there (e.g. after "Cancel launch"). */
  desktops: (notice?: DesktopsNotice) => (notice ? `/?notice=${notice}` : '/'),
  account: () => '/account',
  launch: (sessionId: string) => `/launch/${encodeURIComponent(sessionId)}`,
  viewer: (sessionId: string) => `/desktop/${encodeURIComponent(sessionId)}`,
  helpdesk: () => '/helpdesk',
  shadow: (shadowId: string) => `/shadow/${encodeURIComponent(shadowId)}`,
  adminDashboard: () => '/admin',
  adminUsers: () => '/admin/users',
  adminSessions: () => '/admin/sessions',
  adminPools: () => '/admin/pools',
  adminHosts: () => '/admin/hosts',
  /** Machines; `sshHost` opens the form prefilled with SSH access to that host (from Admin → Hosts). */
  adminMachines: (sshHost?: string) => (sshHost ? `/admin/machines?ssh-host=${encodeURIComponent(sshHost)}` : '/admin/machines'),
  adminAudit: () => '/admin/audit',
  adminIdentity: () => '/admin/sign-in',
  recordings: () => '/recordings',
  recording: (recordingId: string) => `/recordings/${encodeURIComponent(recordingId)}`,
};

export function parseRoute(pathname: string, search: string): Route {
  const parts = pathname
    .split('/')
    .filter(Boolean)
    .map((p) => decodeURIComponent(p));
  const [first, second, ...rest] = parts;
  if (rest.length > 0) return { name: 'notFound' };
  if (first === undefined) return { name: 'desktops' };
  if (first === 'signin' && second === undefined) {
    const next = new URLSearchParams(search).get('next') ?? '/';
    // Only same-site paths; never bounce to another origin after sign-in.
    return { name: 'signin', next: next.startsWith('/') && !next.startsWith('//') ? next : '/' };
  }
  if (first === 'account' && second === undefined) return { name: 'account' };
  if (first === 'launch' && second) return { name: 'launch', sessionId: second };
  if (first === 'desktop' && second) return { name: 'viewer', sessionId: second };
  if (first === 'helpdesk' && second === undefined) return { name: 'helpdesk' };
  if (first === 'shadow' && second) return { name: 'shadow', shadowId: second };
  if (first === 'admin' && second === undefined) return { name: 'adminDashboard' };
  if (first === 'admin' && second === 'users') return { name: 'adminUsers' };
  if (first === 'admin' && second === 'sessions') return { name: 'adminSessions' };
  if (first === 'admin' && second === 'pools') return { name: 'adminPools' };
  if (first === 'admin' && second === 'hosts') return { name: 'adminHosts' };
  if (first === 'admin' && second === 'machines') {
    const sshHost = new URLSearchParams(search).get('ssh-host');
    return sshHost ? { name: 'adminMachines', sshHost } : { name: 'adminMachines' };
  }
  if (first === 'admin' && second === 'audit') return { name: 'adminAudit' };
  if (first === 'admin' && second === 'sign-in') return { name: 'adminIdentity' };
  if (first === 'recordings') return second === undefined ? { name: 'recordings' } : { name: 'recording', recordingId: second };
  return { name: 'notFound' };
}

const CHANGE = 'deskport:navigate';

export function navigate(path: string, options: { replace?: boolean } = {}): void {
  if (options.replace) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  window.dispatchEvent(new Event(CHANGE));
}

export function currentPath(): string {
  return location.pathname + location.search;
}

export function useRoute(): Route {
  const read = (): Route => parseRoute(location.pathname, location.search);
  const [route, setRoute] = useState<Route>(read);
  useEffect(() => {
    const update = (): void => setRoute(read());
    window.addEventListener('popstate', update);
    window.addEventListener(CHANGE, update);
    return () => {
      window.removeEventListener('popstate', update);
      window.removeEventListener(CHANGE, update);
    };
  }, []);
  return route;
}
