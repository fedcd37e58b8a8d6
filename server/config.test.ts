import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, splitListen } from './config.ts';

describe('config', () => {
  it('fills defaults', () => {
    const c = loadConfig({}, {});
    expect(c.listen).toBe('127.0.0.1:8080');
    expect(c.ticketTtlS).toBe(30);
    expect(c.cookieSecure).toBe(false);
  });
  it('takes DESKPORT_* variables and lets flags win', () => {
    const c = loadConfig(
      { listen: '127.0.0.1:9000' },
      { DESKPORT_LISTEN: '0.0.0.0:1', DESKPORT_TICKET_TTL_S: '10', DESKPORT_PUBLIC_URL: 'https://vdi.example.org' },
    );
    expect(c.listen).toBe('127.0.0.1:9000');
    expect(c.ticketTtlS).toBe(10);
    expect(c.cookieSecure).toBe(true);
  });
  it('refuses a ticket TTL over 30 s, naming the variable', () => {
    expect(() => loadConfig({}, { DESKPORT_TICKET_TTL_S: '60' })).toThrow(/ticketTtlS \(DESKPORT_TICKET_TTL_S\)/);
  });
  it('refuses a malformed listen address and a short admin password', () => {
    expect(() => loadConfig({ listen: 'localhost' }, {})).toThrow(ConfigError);
    expect(() => loadConfig({ listen: '127.0.0.1:70000' }, {})).toThrow(/65535/);
    expect(() => loadConfig({}, { DESKPORT_ADMIN_PASSWORD: 'short' })).toThrow(/at least 8/);
  });
  it('refuses unknown keys in a config file', () => {
    expect(() => loadConfig({}, { DESKPORT_CONFIG: '/nonexistent/file.json' })).toThrow(/cannot read config file/);
  });
  it('splits IPv4 and IPv6 listen addresses', () => {
    expect(splitListen('127.0.0.1:8080')).toEqual({ host: '127.0.0.1', port: 8080 });
    expect(splitListen('[::1]:81')).toEqual({ host: '::1', port: 81 });
  });
});
