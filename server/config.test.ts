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
  describe('guacd', () => {
    it('is auto by default and searches DESKPORT_GUACD_ROOT or ~/.cache/deskport/guacd, then PATH', () => {
      const c = loadConfig({}, { HOME: '/home/ann', PATH: '/usr/local/bin:/usr/bin' });
      expect(c.guacd).toBe('auto');
      expect(c.guacdSearch).toEqual({ bin: undefined, root: '/home/ann/.cache/deskport/guacd', path: ['/usr/local/bin', '/usr/bin'] });
      const d = loadConfig({}, { HOME: '/home/ann', DESKPORT_GUACD_ROOT: '/opt/guacd', DESKPORT_GUACD_BIN: '/opt/g/sbin/guacd' });
      expect(d.guacdSearch).toEqual({ bin: '/opt/g/sbin/guacd', root: '/opt/guacd', path: [] });
    });
    it('takes an external HOST:PORT from DESKPORT_GUACD, and --guacd wins', () => {
      expect(loadConfig({}, { DESKPORT_GUACD: 'guacd.internal:4822' }).guacd).toBe('guacd.internal:4822');
      expect(loadConfig({ guacd: '[::1]:4823' }, { DESKPORT_GUACD: 'guacd.internal:4822' }).guacd).toBe('[::1]:4823');
    });
    it('--no-guacd (and DESKPORT_GUACD=off) turns it off', () => {
      expect(loadConfig({ noGuacd: true }, { DESKPORT_GUACD: '127.0.0.1:4822' }).guacd).toBe('off');
      expect(loadConfig({ noGuacd: false }, {}).guacd).toBe('auto');
      expect(loadConfig({}, { DESKPORT_GUACD: 'off' }).guacd).toBe('off');
    });
    it('refuses --guacd with --no-guacd, and a malformed address naming the variable', () => {
      expect(() => loadConfig({ guacd: '127.0.0.1:4822', noGuacd: true }, {})).toThrow(/--guacd and --no-guacd/);
      expect(() => loadConfig({}, { DESKPORT_GUACD: 'guacd' })).toThrow(/guacd \(DESKPORT_GUACD\): must be auto, off or HOST:PORT/);
      expect(() => loadConfig({ guacd: '127.0.0.1:99999' }, {})).toThrow(ConfigError);
    });
  });
});
