import { describe, expect, it } from 'vitest';
import { parseRoute, paths } from './router.ts';

describe('routes', () => {
  it('maps deep links to pages', () => {
    expect(parseRoute('/', '')).toEqual({ name: 'desktops' });
    expect(parseRoute('/desktop/s-1', '')).toEqual({ name: 'viewer', sessionId: 's-1' });
    expect(parseRoute('/launch/s-1', '')).toEqual({ name: 'launch', sessionId: 's-1' });
    expect(parseRoute('/account', '')).toEqual({ name: 'account' });
    expect(parseRoute('/admin', '')).toEqual({ name: 'adminDashboard' });
    expect(parseRoute('/helpdesk', '')).toEqual({ name: 'helpdesk' });
    expect(parseRoute('/shadow/sh-1', '')).toEqual({ name: 'shadow', shadowId: 'sh-1' });
    expect(parseRoute(paths.shadow('sh 2'), '')).toEqual({ name: 'shadow', shadowId: 'sh 2' });
    expect(parseRoute('/admin/users', '')).toEqual({ name: 'adminUsers' });
    expect(parseRoute('/admin/sessions', '')).toEqual({ name: 'adminSessions' });
    expect(parseRoute('/admin/pools', '')).toEqual({ name: 'adminPools' });
    expect(parseRoute('/admin/hosts', '')).toEqual({ name: 'adminHosts' });
    expect(parseRoute('/admin/machines', '')).toEqual({ name: 'adminMachines' });
    expect(parseRoute('/admin/machines', '?ssh-host=h-1')).toEqual({ name: 'adminMachines', sshHost: 'h-1' });
    expect(parseRoute('/recordings', '')).toEqual({ name: 'recordings' });
    expect(parseRoute(paths.recording('r 1'), '')).toEqual({ name: 'recording', recordingId: 'r 1' });
    const [path, query] = paths.adminMachines('a b&c').split('?');
    expect(parseRoute(path!, `?${query}`)).toEqual({ name: 'adminMachines', sshHost: 'a b&c' });
    expect(parseRoute('/admin/audit', '')).toEqual({ name: 'adminAudit' });
    expect(parseRoute('/nope/a/b', '')).toEqual({ name: 'notFound' });
  });

  it('carries a one-time notice to My desktops in the query', () => {
    const url = new URL(paths.desktops('launch-cancelled'), 'http://gw');
    expect(parseRoute(url.pathname, url.search)).toEqual({ name: 'desktops' });
    expect(url.searchParams.get('notice')).toBe('launch-cancelled');
    expect(paths.desktops()).toBe('/');
  });

  it('round-trips the page to return to after sign-in', () => {
    const url = new URL(paths.signin('/desktop/s 1?x=1'), 'http://gw');
    expect(parseRoute(url.pathname, url.search)).toEqual({ name: 'signin', next: '/desktop/s 1?x=1' });
  });

  it('never returns to another site after sign-in', () => {
    expect(parseRoute('/signin', '?next=//evil.example/')).toEqual({ name: 'signin', next: '/' });
    expect(parseRoute('/signin', '?next=https://evil.example/')).toEqual({ name: 'signin', next: '/' });
  });
});
