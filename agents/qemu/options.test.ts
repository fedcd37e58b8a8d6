import { describe, expect, it } from 'vitest';
import type { DesktopSpec } from '../driver.ts';
import { checkQemuSpec, resolveOptions, SOCKET_SUFFIX_LENGTH, vcpusOf } from './options.ts';
import { forwardPortOf, qemuArgs, vmPaths, type VmArgs } from './vm.ts';
import { hashSecret, sameSecret } from './vm.ts';

const spec = (over: Partial<DesktopSpec> = {}): DesktopSpec => ({ desktopId: 'vm-1', secret: 'secret-1', persistence: 'pooled', ...over });

describe('qemu driver options', () => {
  it('fills defaults: the vm-test image, auto accelerator, 1 vCPU, 512 MB, a two-minute start', () => {
    expect(resolveOptions({ stateDir: '/var/lib/dp' })).toMatchObject({
      image: 'vm-test',
      accel: 'auto',
      cpus: 1,
      memoryMb: 512,
      startTimeoutMs: 120_000,
      waitForGuest: true,
    });
  });

  it('refuses a relative, comma-holding or too long state dir, naming the option', () => {
    expect(() => resolveOptions({ stateDir: 'rel' })).toThrow(/stateDir must be an absolute path/);
    expect(() => resolveOptions({ stateDir: '/a,b' })).toThrow(/comma/);
    expect(() => resolveOptions({ stateDir: `/${'x'.repeat(107 - SOCKET_SUFFIX_LENGTH)}` })).toThrow(/at most/);
    expect(() => resolveOptions({ stateDir: '/s', accel: 'hvf' as 'kvm' })).toThrow(/accel/);
    expect(() => resolveOptions({ stateDir: '/s', image: 'deskport-desktop:latest' })).toThrow(/image/);
  });
});

describe('qemu desktop specs', () => {
  it('takes a kind or an absolute qcow2 path as image, nothing else', () => {
    expect(() => checkQemuSpec(spec({ image: 'vm-test' }))).not.toThrow();
    expect(() => checkQemuSpec(spec({ image: '/srv/images/win11.qcow2' }))).not.toThrow();
    for (const image of ['/srv/x.img', 'deskport-desktop:latest', '/srv/a,b.qcow2', 'rel/x.qcow2', '/srv/-x.qcow2'])
      expect(() => checkQemuSpec(spec({ image })), image).toThrow(/image must be/);
  });

  it('takes rdp; refuses too many vCPUs, naming the field', () => {
    expect(() => checkQemuSpec(spec({ protocol: 'rdp', image: 'vm' }))).not.toThrow();
    expect(() => checkQemuSpec(spec({ cpu: 65 }))).toThrow(/cpu/);
    expect(() => checkQemuSpec(spec({ desktopId: '../x' }))).toThrow(/desktopId/);
  });

  it('rounds fractional cores up to whole vCPUs', () => {
    expect([vcpusOf(undefined, 1), vcpusOf(0.5, 1), vcpusOf(1.5, 1), vcpusOf(4, 1)]).toEqual([1, 1, 2, 4]);
  });
});

describe('the QEMU command line', () => {
  const paths = vmPaths('/s', 'vm-1');
  const args = qemuArgs({
    desktopId: 'vm-1',
    image: { name: 'vm-test', disk: '/i/disk.qcow2', kernel: '/i/vmlinuz', initrd: '/i/initrd.img', append: 'quiet' },
    overlay: paths.pooledOverlay,
    paths,
    accel: 'tcg',
    cpus: 2,
    memoryMb: 384,
  });
  const after = (flag: string): string | undefined => args[args.indexOf(flag) + 1];
  /** The same small VM with one option more. */
  const argsWith = (more: Partial<VmArgs>): string[] =>
    qemuArgs({
      desktopId: 'vm-1',
      image: { name: 'vm-test', disk: '/i/d' },
      overlay: '/o',
      paths,
      accel: 'tcg',
      cpus: 1,
      memoryMb: 256,
      ...more,
    });

  it('has no network, no default devices, VNC only on a unix socket with a password, QMP on a unix socket', () => {
    expect(after('-nic')).toBe('none');
    expect(args).toContain('-nodefaults');
    expect(after('-vnc')).toBe(`unix:${paths.vnc},password=on`);
    expect(after('-qmp')).toBe(`unix:${paths.qmp},server=on,wait=off`);
    expect(args.join(' ')).not.toMatch(/tcp|hostfwd|127\.0\.0\.1|0\.0\.0\.0/);
    expect(after('-sandbox')).toMatch(/^on,.*spawn=deny/);
  });

  it('keeps root only without runAs: with it, -runas uid:gid and set*id left to QEMU for the switch', () => {
    expect(after('-sandbox')).toContain('elevateprivileges=deny');
    expect(args).not.toContain('-runas');
    const dropped = argsWith({ runAs: 2_090_000_007 });
    expect(dropped[dropped.indexOf('-runas') + 1]).toBe('2090000007:2090000007');
    expect(dropped[dropped.indexOf('-sandbox') + 1]).toMatch(/^on,obsolete=deny,elevateprivileges=allow,spawn=deny,/);
  });

  it('a restricted network: one virtio NIC on user-mode networking with restrict=on, no forward, no second NIC', () => {
    const net = argsWith({ network: 'restricted' });
    const at = (flag: string): string | undefined => net[net.indexOf(flag) + 1];
    expect(at('-netdev')).toBe('user,id=net0,restrict=on,ipv6=off');
    expect(net.filter((a) => a.startsWith('virtio-net-pci'))).toEqual(['virtio-net-pci,netdev=net0']);
    expect(net).not.toContain('-nic');
    expect(net.join(' ')).not.toMatch(/hostfwd|guestfwd|smb=|tftp=/);
  });

  it('an RDP VM: the NIC forwards a loopback port to the guest RDP port, the guest agent gets a port, no VNC', () => {
    const rdp = argsWith({ rdp: true, image: { name: 'vm', disk: '/i/d', kernel: '/i/k', append: 'quiet' } });
    const at = (flag: string): string | undefined => rdp[rdp.indexOf(flag) + 1];
    expect(at('-netdev')).toBe('user,id=net0,restrict=on,ipv6=off,hostfwd=tcp:127.0.0.1:0-:3389');
    expect(rdp.filter((a) => a.startsWith('hostfwd') || a.includes(',hostfwd='))).toHaveLength(1);
    expect(at('-append')).toBe('quiet deskport.protocol=rdp');
    expect(rdp).not.toContain('-vnc');
    expect(at('-display')).toBe('none');
    expect(at('-chardev')).toBe(`socket,id=qga0,path=${paths.qga},server=on,wait=off`);
    expect(rdp).toContain('virtserialport,chardev=qga0,name=org.qemu.guest_agent.0');
    // A restricted network asked besides changes nothing: one NIC, the same forward.
    expect(argsWith({ rdp: true, network: 'restricted', image: { name: 'vm', disk: '/i/d' } }).filter((a) => a === '-netdev')).toHaveLength(
      1,
    );
    // An admin's own disk (no kernel of ours): nothing appended.
    expect(argsWith({ rdp: true, image: { name: '/srv/w.qcow2', disk: '/srv/w.qcow2' } })).not.toContain('-append');
  });

  it("reads the RDP forward's host port from QEMU's `info usernet`", () => {
    const usernet =
      'Hub -1 (net0):\r\n  Protocol[State]    FD  Source Address  Port   Dest. Address  Port RecvQ SendQ\r\n' +
      '  TCP[ESTABLISHED]  12       127.0.0.1 50000       10.0.2.15  3389     0     0\r\n' +
      '  TCP[HOST_FORWARD]   8       127.0.0.1 34147       10.0.2.15  3389     0     0\r\n';
    expect(forwardPortOf(usernet)).toBe(34147);
    expect(forwardPortOf(usernet.replace(/HOST_FORWARD/, 'CLOSED'))).toBeNull();
    expect(forwardPortOf('')).toBeNull();
  });

  it('boots the image kernel and puts the overlay, never the base, on the drive', () => {
    expect([after('-kernel'), after('-initrd'), after('-append')]).toEqual(['/i/vmlinuz', '/i/initrd.img', 'quiet']);
    expect(after('-drive')).toBe(`file=${paths.pooledOverlay},format=qcow2,if=virtio,discard=unmap`);
    expect(args.join(' ')).not.toContain('/i/disk.qcow2');
    expect([after('-smp'), after('-m'), after('-accel')]).toEqual(['2', '384', 'tcg,tb-size=64']); // a 64 MiB translation cache, not 1 GiB
    expect(args).not.toContain('-global'); // no size asked: the VGA's own default EDID
  });

  it("offers the pool's screen size as the VGA's preferred mode", () => {
    const sized = (width: number, height: number) =>
      qemuArgs({
        desktopId: 'vm-1',
        image: { name: 'vm', disk: '/i/d.qcow2' },
        overlay: '/o.qcow2',
        paths,
        accel: 'tcg',
        cpus: 1,
        memoryMb: 512,
        width,
        height,
      });
    const fair = sized(1600, 900);
    expect(fair.filter((_, i) => fair[i - 1] === '-global')).toEqual(['VGA.xres=1600', 'VGA.yres=900']);
    expect(sized(8192, 8192)).not.toContain('-global'); // more than the VGA's memory holds: its default instead
  });
});

describe('the kept secret', () => {
  it('is a salted hash that recognises the same secret only', () => {
    const stored = hashSecret('hunter22');
    expect(stored).not.toContain('hunter22');
    expect(sameSecret(stored, 'hunter22')).toBe(true);
    expect(sameSecret(stored, 'hunter23')).toBe(false);
    expect(hashSecret('hunter22')).not.toBe(stored);
  });
});
