import { afterEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_SESSION_POLICY } from '../../../contract/api/policy.ts';
import {
  connectMachine,
  createMachine,
  deleteMachine,
  forgetMyCredentials,
  listAdminMachines,
  listMachines,
  machineLaunchBody,
  saveMyCredentials,
  updateMachine,
  type AdminMachine,
} from './machines.ts';

const machine: AdminMachine = {
  id: 'm-1',
  name: 'Build server',
  description: '',
  protocol: 'ssh',
  address: '10.0.0.5',
  port: 22,
  hostId: 'h-1',
  hostLabel: null,
  security: 'any',
  ignoreCert: false,
  domain: '',
  credentialMode: 'shared',
  username: 'deploy',
  passwordSet: false,
  privateKeySet: true,
  groups: [],
  policy: DEFAULT_SESSION_POLICY,
  createdAt: '2026-01-01T10:00:00.000Z',
  updatedAt: '2026-01-01T10:00:00.000Z',
};

interface Sent {
  url: string;
  method: string;
  body: unknown;
}

/** Answers every request with `status` and `answer`, and records what the page sent. */
function gateway(status: number, answer?: unknown): Sent[] {
  const sent: Sent[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init: RequestInit) => {
      sent.push({ url, method: init.method ?? 'GET', body: typeof init.body === 'string' ? JSON.parse(init.body) : undefined });
      return new Response(answer === undefined ? null : JSON.stringify(answer), { status });
    }),
  );
  return sent;
}

afterEach(() => vi.unstubAllGlobals());

describe('admin machines API', () => {
  it('lists machines, decoded with the contract schema', async () => {
    gateway(200, [machine, { ...machine, id: 'm-2', unavailable: 'No agent can reach it.' }]);
    const list = await listAdminMachines();
    expect(list.map((m) => [m.id, m.unavailable])).toEqual([
      ['m-1', undefined],
      ['m-2', 'No agent can reach it.'],
    ]);
  });

  it('refuses an answer that breaks the contract (an unknown protocol) as bad_response', async () => {
    gateway(200, [{ ...machine, protocol: 'x11' }]);
    vi.spyOn(console, 'error').mockImplementation(() => {});
    await expect(listAdminMachines()).rejects.toMatchObject({ code: 'bad_response' });
  });

  it('creates with POST, patches with PATCH and deletes with DELETE on the machine path', async () => {
    const sent = gateway(200, machine);
    const { id: _id, createdAt: _c, updatedAt: _u, passwordSet: _p, privateKeySet: _k, unavailable: _n, ...fields } = machine;
    await createMachine({ ...fields, privateKey: 'KEY' });
    await updateMachine('m/1', { password: null });
    await deleteMachine('m-1');
    expect(sent.map((s) => [s.method, s.url, s.body])).toEqual([
      ['POST', '/api/v1/admin/machines', { ...fields, privateKey: 'KEY' }],
      ['PATCH', '/api/v1/admin/machines/m%2F1', { password: null }],
      ['DELETE', '/api/v1/admin/machines/m-1', undefined],
    ]);
  });
});

describe("the person's machines API", () => {
  it('lists the machines the person may use', async () => {
    gateway(200, [{ id: 'm-1', name: 'Win', description: '', protocol: 'rdp', credentialMode: 'per_user', credentialsSaved: false }]);
    expect(await listMachines()).toMatchObject([{ id: 'm-1', protocol: 'rdp', credentialsSaved: false }]);
  });

  it('saves credentials with PUT and forgets them with DELETE', async () => {
    const sent = gateway(204);
    await saveMyCredentials('m-1', { username: 'ada', password: 'pw' });
    await forgetMyCredentials('m-1');
    expect(sent.map((s) => [s.method, s.url, s.body])).toEqual([
      ['PUT', '/api/v1/machines/m-1/credentials', { username: 'ada', password: 'pw' }],
      ['DELETE', '/api/v1/machines/m-1/credentials', undefined],
    ]);
  });

  it('connects with POST /sessions {machineId} and reads the session it answers', async () => {
    const sent = gateway(201, {
      session: {
        id: 's-1',
        machineId: 'm-1',
        protocol: 'rdp',
        userId: 'u-1',
        state: 'ready',
        createdAt: '2026-01-01T10:00:00.000Z',
        viewers: 0,
      },
    });
    const session = await connectMachine('m-1');
    expect(sent).toEqual([{ url: '/api/v1/sessions', method: 'POST', body: { machineId: 'm-1' } }]);
    expect(session).toMatchObject({
      id: 's-1',
      machineId: 'm-1',
      protocol: 'rdp',
      state: 'ready',
      createdAt: Date.parse('2026-01-01T10:00:00.000Z'),
    });
  });

  it('builds the launch body with only machineId, and refuses an id the gateway would', () => {
    expect(machineLaunchBody('m-1')).toEqual({ machineId: 'm-1' });
    expect(() => machineLaunchBody('')).toThrow(RangeError);
    expect(() => machineLaunchBody('x'.repeat(65))).toThrow(RangeError);
  });
});
