// Operations surface of a real gateway: health, readiness, Prometheus metrics that move with
// real traffic, the OpenAPI document, and the audit trail of a launch.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, launchDesktop, signIn, startTestGateway, ticket, type Api, type TestGateway } from '../helpers/gateway.ts';
import { RfbViewer } from '../helpers/rfb-viewer.ts';

let t: TestGateway;
let api: Api;
beforeAll(async () => {
  t = await startTestGateway();
  api = await signIn(t.url, 'admin', ADMIN_PASSWORD);
});
afterAll(async () => t?.cleanup());

const metric = (text: string, name: string) => Number(new RegExp(`^${name.replace(/[{}]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);

describe('operations', () => {
  it('answers /healthz and /readyz', async () => {
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
    const r = await fetch(`${t.url}/readyz`);
    expect(r.status).toBe(200);
    // this gateway has no guacd (its env names none): reported, and still ready (VNC works)
    expect(await r.json()).toEqual({ status: 'ready', checks: { store: true, agent: true }, guacd: 'absent' });
  });

  it('counts sessions, launches, relayed bytes and agents in /metrics', async () => {
    const s = await launchDesktop(api, t.url);
    const v = await RfbViewer.open(t.url, await ticket(api, s.id));
    await v.handshake();
    await v.capture();
    v.close();
    const text = await (await fetch(`${t.url}/metrics`)).text();
    expect(metric(text, 'deskport_sessions{state="ready"}')).toBe(1);
    expect(metric(text, 'deskport_agents_online')).toBe(1);
    expect(metric(text, 'deskport_launch_seconds_count{warm="false"}')).toBe(1);
    expect(metric(text, 'deskport_relay_bytes_total{direction="to_browser"}')).toBeGreaterThan(1_000_000);
  });

  it('streams launch progress and state over SSE, and closes the stream when the session ends', async () => {
    await api.post('/api/v1/auth/logout');
    const user = await signIn(t.url, 'admin', ADMIN_PASSWORD);
    const live = (await user.get('/api/v1/admin/sessions?state=starting,ready')).body as { id: string }[];
    for (const s of live) await user.del(`/api/v1/admin/sessions/${s.id}`);
    const pools = (await user.get('/api/v1/pools')).body as { id: string }[];
    const launched = (await user.post('/api/v1/sessions', { poolId: pools[0]!.id })).body as { session: { id: string } };
    const res = await fetch(`${t.url}/api/v1/sessions/${launched.session.id}/events`, { headers: { cookie: user.cookie } });
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const reader = res.body!.getReader();
    let text = '';
    const readUntil = async (pattern: RegExp) => {
      while (!pattern.test(text)) {
        const { value, done } = await reader.read();
        if (done) break;
        text += Buffer.from(value).toString();
      }
    };
    await readUntil(/"state":"ready"/);
    expect(text).toMatch(/event: progress\ndata: \{"step":"creating"/);
    expect(text).toMatch(/event: state\ndata: \{"session":\{[^\n]*"state":"ready"/);
    await user.del(`/api/v1/sessions/${launched.session.id}`);
    await readUntil(/"state":"ended"/);
    expect((await reader.read()).done).toBe(true);
    api = user;
  });

  it('serves the OpenAPI document', async () => {
    const doc = (await api.get('/api/v1/openapi.json')).body as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toContain('/sessions/{id}/tickets');
  });

  it('audits sign-in, launch and ticket issue with the actor', async () => {
    const audit = (await api.get('/api/v1/admin/audit?actor=admin')).body as { action: string; result: string }[];
    const actions = new Set(audit.map((a) => `${a.action}:${a.result}`));
    for (const a of ['auth.login:ok', 'session.launch:ok', 'ticket.issue:ok']) expect(actions).toContain(a);
  });
});
