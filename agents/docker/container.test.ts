// A docker desktop's container, as built from a spec: locked down whatever the spec says, the secret
// never in its config, limits as asked, and its labels read back as the same desktop.
import { describe, expect, it } from 'vitest';
import type { DesktopSpec } from '../driver.ts';
import { containerOptions, handleFromLabels, homeVolumeName } from './container.ts';
import { desktopPaths } from './files.ts';

const spec: DesktopSpec = { desktopId: 'd-1', secret: 'sup3r-secret', persistence: 'pooled', width: 1024, height: 768 };
const build = (over: Partial<DesktopSpec> = {}) =>
  containerOptions({
    spec: { ...spec, ...over },
    image: 'deskport-desktop:latest',
    namePrefix: 'deskport-',
    paths: desktopPaths('/var/lib/dp', 'd-1'),
    pidsLimit: 1024,
    startedAt: 1234,
  });

describe('containerOptions', () => {
  it('has no network, no capabilities, no new privileges, a read-only root and a non-root user', () => {
    const o = build();
    expect(o.User).toBe('1000:1000');
    expect(o.HostConfig).toMatchObject({
      NetworkMode: 'none',
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
      ReadonlyRootfs: true,
      Privileged: false,
      Init: true,
    });
    expect(o.HostConfig?.PortBindings).toBeUndefined();
    expect(o.ExposedPorts).toBeUndefined();
  });

  it('keeps the secret out of the container config: it is a mounted read-only file', () => {
    const o = build();
    expect(JSON.stringify(o)).not.toContain('sup3r-secret');
    expect(o.HostConfig?.Mounts).toContainEqual({
      Type: 'bind',
      Source: desktopPaths('/var/lib/dp', 'd-1').secretFile,
      Target: '/run/secrets/deskport-vncpasswd',
      ReadOnly: true,
    });
  });

  it('turns cpu and memory into limits, with no swap on top, and leaves them unset when not asked', () => {
    expect(build({ cpu: 1.5, memoryMb: 512 }).HostConfig).toMatchObject({
      NanoCpus: 1_500_000_000,
      Memory: 512 * 2 ** 20,
      MemorySwap: 512 * 2 ** 20,
    });
    expect(build().HostConfig).toMatchObject({ NanoCpus: undefined, Memory: undefined, PidsLimit: 1024 });
  });

  it('gives a pooled desktop an anonymous home and a personal one its named volume', () => {
    expect(build().Volumes).toEqual({ '/home/user': {} });
    const personal = build({ persistence: 'personal', homeKey: 'alice' });
    expect(personal.Volumes).toBeUndefined();
    expect(personal.HostConfig?.Mounts).toContainEqual({ Type: 'volume', Source: 'deskport-home-alice', Target: '/home/user' });
    expect(personal.Labels).toMatchObject({ 'deskport.home-key': 'alice', 'deskport.persistence': 'personal' });
  });

  it('passes the size and the socket path to the entrypoint', () => {
    expect(build().Env).toEqual(['DESKPORT_VNC_SOCKET=/run/deskport/vnc.sock', 'DESKPORT_GEOMETRY=1024x768']);
  });

  it('starts the RDP stack for protocol rdp: xrdp on a unix socket in the same directory, labelled rdp', () => {
    const o = build({ protocol: 'rdp' });
    expect(o.Env).toEqual(['DESKPORT_PROTOCOL=rdp', 'DESKPORT_RDP_SOCKET=/run/deskport/rdp.sock', 'DESKPORT_GEOMETRY=1024x768']);
    expect(o.Labels).toMatchObject({ 'deskport.protocol': 'rdp' });
    expect(o.HostConfig?.NetworkMode).toBe('none');
    expect(build().Labels).not.toHaveProperty('deskport.protocol');
  });
});

describe('labels', () => {
  it('read back as the desktop, only under the same prefix', () => {
    const labels = build().Labels;
    expect(handleFromLabels(labels, true, 'deskport-')).toEqual({ desktopId: 'd-1', state: 'running', startedAt: 1234 });
    expect(handleFromLabels(labels, false, 'deskport-')).toMatchObject({ state: 'stopped' });
    expect(handleFromLabels(labels, true, 'other-')).toBeNull();
    expect(handleFromLabels({ 'com.example': 'x' }, true, 'deskport-')).toBeNull();
  });
});

describe('homeVolumeName', () => {
  it('keeps safe keys readable and hashes the rest, so two keys never share a volume', () => {
    expect(homeVolumeName('deskport-', 'user_42')).toBe('deskport-home-user_42');
    const odd = homeVolumeName('deskport-', 'alice@example.org');
    expect(odd).toMatch(/^deskport-home-k\.[0-9a-f]{40}$/);
    expect(homeVolumeName('deskport-', 'alice@example.org ')).not.toBe(odd);
  });
});

describe('desktopPaths', () => {
  it('has a fixed length whatever the id, so the socket path stays under the cap', () => {
    const short = desktopPaths('/s', 'a').socket;
    const long = desktopPaths('/s', 'a'.repeat(64)).socket;
    expect(short.length).toBe(long.length);
    expect(short).toMatch(/^\/s\/docker\/[0-9a-f]{16}\/run\/vnc\.sock$/);
  });
});
