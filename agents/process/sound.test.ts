import { describe, expect, it } from 'vitest';
import { parecArgv, pulseArgv, pulseServer } from './sound.ts';
import type { Jail } from './sandbox.ts';

const jail = (mode: 'bwrap' | 'none'): Jail => ({ mode, hostTmp: '/srv/dp/desktops/d1/tmp' }) as Jail;

describe('the desktop sound server', () => {
  it('loads no default.pa and only a null sink and its own socket', () => {
    const argv = pulseArgv(jail('bwrap'), '/usr/bin/pulseaudio');
    expect(argv).toContain('-n');
    expect(argv).toContain('--exit-idle-time=-1');
    expect(argv).toContain('--daemonize=no');
    const modules = argv.flatMap((a, i) => (argv[i - 1] === '-L' ? [a.split(' ')[0]] : []));
    expect(modules).toEqual(['module-null-sink', 'module-native-protocol-unix']);
    expect(argv.join(' ')).toContain('socket=/tmp/pulse/native auth-anonymous=1');
  });

  it("puts its socket in the desktop's own tmp, as its programs see it", () => {
    expect(pulseServer(jail('bwrap'))).toBe('unix:/tmp/pulse/native');
    expect(pulseServer(jail('none'))).toBe('unix:/srv/dp/desktops/d1/tmp/pulse/native');
  });

  it("captures the sink's monitor as 48 kHz mono s16le with a small buffer", () => {
    expect(parecArgv('/usr/bin/parec')).toEqual([
      '/usr/bin/parec',
      '--raw',
      '--device=deskport.monitor',
      '--format=s16le',
      '--rate=48000',
      '--channels=1',
      '--latency-msec=20',
      '--client-name=deskport-capture',
    ]);
  });
});
