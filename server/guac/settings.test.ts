// guacd parameters from the session policy: clipboard switches, RDP drive and SSH SFTP with their
// upload/download switches, nothing when both ways are off, and the home derived only from safe names.
import { describe, expect, it } from 'vitest';
import { clipboardParams, fileParams, machineSettings } from './settings.ts';

describe('clipboardParams', () => {
  it('turns off exactly the refused direction', () => {
    expect(clipboardParams({ toDesktop: true, fromDesktop: true })).toEqual({});
    expect(clipboardParams({ toDesktop: true, fromDesktop: false })).toEqual({ 'disable-copy': 'true' });
    expect(clipboardParams({ toDesktop: false, fromDesktop: true })).toEqual({ 'disable-paste': 'true' });
    expect(clipboardParams({ toDesktop: false, fromDesktop: false })).toEqual({ 'disable-copy': 'true', 'disable-paste': 'true' });
  });
});

describe('fileParams', () => {
  const both = { upload: true, download: true };
  it('gives an RDP machine the Deskport drive on its session folder', () => {
    expect(fileParams('rdp', both, { drivePath: '/data/guac-drives/s1' })).toEqual({
      'enable-drive': 'true',
      'drive-name': 'Deskport',
      'drive-path': '/data/guac-drives/s1',
      'create-drive-path': 'true',
    });
    expect(fileParams('rdp', { upload: true, download: false }, { drivePath: '/d' })).toMatchObject({ 'disable-download': 'true' });
    expect(fileParams('rdp', both, {})).toEqual({}); // no folder, no drive
  });

  it('gives an SSH machine SFTP rooted at the account’s home', () => {
    expect(fileParams('ssh', both, { username: 'dora' })).toEqual({ 'enable-sftp': 'true', 'sftp-root-directory': '/home/dora' });
    expect(fileParams('ssh', both, { username: 'root' })['sftp-root-directory']).toBe('/root');
    expect(fileParams('ssh', both, { username: '../etc' })['sftp-root-directory']).toBe('/');
    expect(fileParams('ssh', { upload: false, download: true }, { username: 'dora' })).toMatchObject({ 'sftp-disable-upload': 'true' });
    expect(fileParams('ssh', { upload: true, download: false }, { username: 'dora' })).toMatchObject({ 'sftp-disable-download': 'true' });
  });

  it('offers nothing when both ways are off, and nothing for VNC machines', () => {
    expect(fileParams('ssh', { upload: false, download: false }, { username: 'dora' })).toEqual({});
    expect(fileParams('rdp', { upload: false, download: false }, { drivePath: '/d' })).toEqual({});
    expect(fileParams('vnc', both, {})).toEqual({});
  });

  it('policy parameters win over the machine record, and the target stays the forward', () => {
    const s = machineSettings({
      port: 4000,
      display: { width: 800, height: 600, dpi: 96 },
      mode: 'control',
      protocol: 'ssh',
      settings: { username: 'dora', 'enable-sftp': 'false', hostname: 'elsewhere' },
      extra: { 'enable-sftp': 'true' },
    });
    expect(s).toMatchObject({ 'enable-sftp': 'true', hostname: '127.0.0.1', port: '4000' });
  });
});
