import { describe, expect, it } from 'vitest';
import {
  AGENT_PROTOCOL,
  decodeFromAgent,
  decodeFromGateway,
  encode,
  MAX_CONTROL_MESSAGE_BYTES,
  type AgentToGateway,
  type GatewayToAgent,
} from './agent-v1.ts';

const hello: AgentToGateway = {
  type: 'hello',
  protocol: AGENT_PROTOCOL,
  agentVersion: '0.1.0',
  name: 'host-a',
  drivers: ['process'],
  capacity: { desktops: 4, cpu: 2, memoryMb: 4096 },
  inventory: [{ desktopId: 'd-1', state: 'running', startedAt: 1 }],
};

describe('agent protocol v1', () => {
  const fromAgent: AgentToGateway[] = [
    hello,
    { type: 'heartbeat', at: 5, desktops: 1 },
    { type: 'heartbeat', at: 6, desktops: 2, capacity: { desktops: 8, cpu: 4, memoryMb: 8192 } },
    { type: 'heartbeat', at: 7, desktops: 1, disk: { bytes: 3 << 20, desktops: [{ desktopId: 'd-1', bytes: 1 << 20 }] } },
    { type: 'desktop.progress', desktopId: 'd-1', step: 'waiting_display', message: 'Waiting for the display' },
    { type: 'desktop.state', desktopId: 'd-1', state: 'failed', error: 'Xvnc exited' },
    { re: 'r1', ok: true, result: { startedAt: 3 } },
    { re: 'r2', ok: false, error: { code: 'no_such_desktop', message: 'gone' } },
  ];
  const fromGateway: GatewayToAgent[] = [
    { type: 'welcome', hostId: 'h1', credential: 'c'.repeat(43) },
    { id: 'r1', type: 'desktop.create', driver: 'process', spec: { desktopId: 'd-1', secret: 'abcdefgh', persistence: 'pooled' } },
    { id: 'r2', type: 'desktop.destroy', desktopId: 'd-1' },
    { id: 'r3', type: 'desktop.inspect', desktopId: 'd-1' },
    { id: 'r4', type: 'stream.open', streamId: 's1', desktopId: 'd-1', key: 'k'.repeat(43) },
    { id: 'r5', type: 'disk.snapshot', driver: 'qemu', homeKey: 'u-1_p-1', op: 'create', name: 'before the upgrade' },
    { id: 'r6', type: 'disk.snapshot', driver: 'qemu', homeKey: 'u-1_p-1', op: 'list' },
  ];
  it.each(fromAgent.map((m) => ['type' in m ? m.type : 'reply', m] as const))('round-trips %s from the agent', (_t, m) => {
    expect(decodeFromAgent(encode(m))).toEqual({ ok: true, msg: m });
  });
  it.each(fromGateway.map((m) => [m.type, m] as const))('round-trips %s from the gateway', (_t, m) => {
    expect(decodeFromGateway(Buffer.from(encode(m)))).toEqual({ ok: true, msg: m });
  });
  it('refuses an unknown type, naming it', () => {
    const r = decodeFromAgent(JSON.stringify({ type: 'desktop.explode', desktopId: 'd' }));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toBe('unknown message type "desktop.explode"');
  });
  it('refuses another protocol version at hello, saying which it speaks', () => {
    const r = decodeFromAgent(JSON.stringify({ ...hello, protocol: 'deskport.agent.v2' }));
    expect(r).toEqual({ ok: false, reason: 'unsupported protocol "deskport.agent.v2"; this gateway speaks deskport.agent.v1' });
  });
  it('names the field at fault and refuses non-objects', () => {
    const r = decodeFromAgent(JSON.stringify({ type: 'heartbeat', at: 1, desktops: -1 }));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(/^invalid message of type "heartbeat": desktops: /);
    expect(decodeFromAgent('[1,2]')).toEqual({ ok: false, reason: 'message is not a JSON object' });
    expect(decodeFromGateway(JSON.stringify({ re: 'r1', ok: true }))).toEqual({ ok: false, reason: 'message has no type' });
  });
  it('refuses truncated JSON, extra fields and wrong types', () => {
    expect(decodeFromAgent(encode(hello).slice(0, 30))).toEqual({ ok: false, reason: 'message is not valid JSON' });
    expect(decodeFromAgent(JSON.stringify({ type: 'heartbeat', at: 1, desktops: 0, extra: true })).ok).toBe(false);
    expect(decodeFromAgent(JSON.stringify({ type: 'heartbeat', at: '1', desktops: 0 })).ok).toBe(false);
    const disk = (d: unknown) => decodeFromAgent(JSON.stringify({ type: 'heartbeat', at: 1, desktops: 0, disk: d })).ok;
    expect(disk({ bytes: -1, desktops: [] })).toBe(false);
    expect(disk({ bytes: 1, desktops: [{ desktopId: '../x', bytes: 1 }] })).toBe(false);
    expect(disk({ bytes: 1, desktops: Array.from({ length: 1001 }, (_, i) => ({ desktopId: `d-${i}`, bytes: 1 })) })).toBe(false);
    // The longest report an agent may send still fits the control message cap.
    const most = { desktopId: 'd'.repeat(64), bytes: Number.MAX_SAFE_INTEGER };
    const longest = encode({
      type: 'heartbeat',
      at: Date.now(),
      desktops: 1000,
      disk: { bytes: Number.MAX_SAFE_INTEGER, desktops: Array(1000).fill(most) },
    });
    expect(Buffer.byteLength(longest)).toBeLessThan(MAX_CONTROL_MESSAGE_BYTES);
    expect(decodeFromAgent(longest).ok).toBe(true);
    expect(decodeFromGateway(JSON.stringify({ id: 'r', type: 'desktop.destroy', desktopId: '../../etc' })).ok).toBe(false);
  });
  it('refuses a disk.snapshot without a name for a change, or with a name that is not a plain one', () => {
    const base = { id: 'r1', type: 'disk.snapshot', driver: 'qemu', homeKey: 'u-1' };
    expect(decodeFromGateway(JSON.stringify({ ...base, op: 'restore' }))).toMatchObject({
      ok: false,
      reason: expect.stringContaining('name'),
    });
    for (const name of ['../x', '', ' lead', 'a'.repeat(65), 'semi;colon', '1', '2024.01'])
      expect(decodeFromGateway(JSON.stringify({ ...base, op: 'create', name }))).toMatchObject({
        ok: false,
        reason: expect.stringContaining('name'),
      });
    expect(decodeFromGateway(JSON.stringify({ ...base, op: 'revert', name: 'x' }))).toMatchObject({
      ok: false,
      reason: expect.stringContaining('op'),
    });
  });

  it('refuses a message over the cap before parsing it', () => {
    const r = decodeFromAgent('x'.repeat(MAX_CONTROL_MESSAGE_BYTES + 1));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(/exceeds/);
  });
  it('caps the inventory size', () => {
    const inventory = Array.from({ length: 1001 }, (_, i) => ({ desktopId: `d-${i}`, state: 'running', startedAt: 1 }));
    expect(decodeFromAgent(JSON.stringify({ ...hello, inventory })).ok).toBe(false);
  });
});
