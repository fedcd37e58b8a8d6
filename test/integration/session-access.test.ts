// Who can learn about and follow someone's session, over HTTP on a real gateway with a real desktop:
// someone else's session answers exactly like one that does not exist (no 403 that confirms it),
// and helpdesk staff opening event streams on a session cannot shut its owner's stream off.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_OTHER_STREAMS_PER_SESSION, MAX_STREAMS_PER_WATCHER } from '../../server/broker/session-events.ts';
import { ADMIN_PASSWORD, launchDesktop, signIn, startTestGateway, type Api, type TestGateway } from '../helpers/gateway.ts';

let t: TestGateway;
let admin: Api;
let owner: Api;
let plain: Api;
const staff: Api[] = [];
let sessionId: string;

beforeAll(async () => {
  t = await startTestGateway();
  admin = await signIn(t.url, 'admin', ADMIN_PASSWORD);
  const helpdeskCount = MAX_OTHER_STREAMS_PER_SESSION / MAX_STREAMS_PER_WATCHER + 1;
  const people: [string, string[]][] = [
    ['olivia', ['user']],
    ['pete', ['user']],
    ...Array.from({ length: helpdeskCount }, (_, i): [string, string[]] => [`hank${i}`, ['helpdesk']]),
  ];
  for (const [name, roles] of people) {
    expect((await admin.post('/api/v1/admin/users', { username: name, password: `${name}-password-1`, roles })).status).toBe(201);
  }
  owner = await signIn(t.url, 'olivia', 'olivia-password-1');
  plain = await signIn(t.url, 'pete', 'pete-password-1');
  for (let i = 0; i < helpdeskCount; i++) staff.push(await signIn(t.url, `hank${i}`, `hank${i}-password-1`));
  sessionId = (await launchDesktop(owner, t.url)).id;
});
afterAll(async () => t?.cleanup());

interface Stream {
  status: number;
  body: unknown;
  waitFor(event: string): Promise<string>;
  close(): void;
}
const open: Stream[] = [];
let ownerStream: Stream | undefined;

/** Opens GET /sessions/:id/events and reads it in the background; JSON errors are parsed. */
async function stream(api: Api, id = sessionId): Promise<Stream> {
  const abort = new AbortController();
  const res = await fetch(`${t.url}/api/v1/sessions/${id}/events`, { headers: { cookie: api.cookie }, signal: abort.signal });
  if (!res.headers.get('content-type')?.startsWith('text/event-stream'))
    return { status: res.status, body: await res.json(), waitFor: () => Promise.reject(new Error('not a stream')), close: () => undefined };
  let text = '';
  const waiters: (() => void)[] = [];
  void (async () => {
    const decoder = new TextDecoder();
    try {
      for await (const chunk of res.body!) {
        text += decoder.decode(chunk as Uint8Array, { stream: true });
        for (const w of waiters.splice(0)) w();
      }
    } catch {
      // aborted by close()
    }
  })();
  const s: Stream = {
    status: res.status,
    body: null,
    // Resolves with the data of the first event of that name (events are only ever appended).
    async waitFor(event) {
      for (;;) {
        const m = new RegExp(`event: ${event}\\ndata: (.*)\\n`).exec(text);
        if (m) return m[1]!;
        await new Promise<void>((r) => waiters.push(r));
      }
    },
    close: () => abort.abort(),
  };
  open.push(s);
  return s;
}

describe('someone else’s session is “no such session”', () => {
  it('every session route answers a plain user the same for another’s session as for none', async () => {
    const shadow = (await staff[0]!.post(`/api/v1/sessions/${sessionId}/shadow`, { mode: 'view', reason: 'ticket #1: printer' })).body as {
      shadow: { id: string };
    };
    const routes: [string, (id: string) => string, string?][] = [
      ['POST', (id) => `/api/v1/sessions/${id}/tickets`],
      ['GET', (id) => `/api/v1/sessions/${id}`],
      ['GET', (id) => `/api/v1/sessions/${id}/events`],
      ['GET', (id) => `/api/v1/sessions/${id}/shadows`],
      ['DELETE', (id) => `/api/v1/sessions/${id}`],
      ['POST', (id) => `/api/v1/sessions/${id}/shadow`],
      ['GET', (id) => `/api/v1/helpdesk/sessions/${id}/thumbnail`],
      ['GET', (id) => `/api/v1/shadows/${id}`, shadow.shadow.id],
      ['POST', (id) => `/api/v1/shadows/${id}/approve`, shadow.shadow.id],
      ['POST', (id) => `/api/v1/shadows/${id}/end`, shadow.shadow.id],
      ['POST', (id) => `/api/v1/shadows/${id}/tickets`, shadow.shadow.id],
    ];
    for (const [method, path, real] of routes) {
      const theirs = await plain.call(method, path(real ?? sessionId), method === 'GET' || method === 'DELETE' ? undefined : {});
      const none = await plain.call(method, path('s-does-not-exist'), method === 'GET' || method === 'DELETE' ? undefined : {});
      expect({ status: theirs.status, body: theirs.body }, `${method} ${path(':id')}`).toEqual({ status: none.status, body: none.body });
      expect(theirs.status, `${method} ${path(':id')}`).toBeGreaterThanOrEqual(400);
    }
    const ticket = await plain.post(`/api/v1/sessions/${sessionId}/tickets`, { mode: 'view' });
    expect(ticket).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
    // The refusal is still audited.
    const audit = (await admin.get(`/api/v1/admin/audit?action=ticket.issue`)).body as { actor: string; result: string; target: string }[];
    expect(audit).toContainEqual(expect.objectContaining({ actor: 'pete', result: 'denied', target: sessionId }));
  });

  it('the owner gets tickets; staff, who see every session, are told to ask to shadow', async () => {
    expect((await owner.post(`/api/v1/sessions/${sessionId}/tickets`, { mode: 'view' })).status).toBe(201);
    const r = await staff[0]!.post(`/api/v1/sessions/${sessionId}/tickets`, { mode: 'view' });
    expect(r).toMatchObject({ status: 403, body: { error: { code: 'forbidden', message: expect.stringMatching(/shadow/) } } });
  });
});

describe('session event streams', () => {
  afterAll(() => {
    for (const s of open.splice(0)) s.close();
  });

  it('helpdesk streams cannot shut off the owner’s; one person beyond their cap gets 429', async () => {
    // One helpdesk user opens as many streams as they can, then some more.
    const first = await Promise.all(Array.from({ length: MAX_STREAMS_PER_WATCHER + 4 }, () => stream(staff[0]!)));
    expect(first.filter((s) => s.status === 200)).toHaveLength(MAX_STREAMS_PER_WATCHER);
    const refused = first.filter((s) => s.status !== 200);
    for (const s of refused)
      expect(s).toMatchObject({
        status: 429,
        body: { error: { code: 'too_many_streams', message: expect.stringMatching(/close some tabs/) } },
      });
    // Their colleagues fill the session's streams for everyone but the owner.
    for (const api of staff.slice(1, -1)) for (let i = 0; i < MAX_STREAMS_PER_WATCHER; i++) expect((await stream(api)).status).toBe(200);
    expect(await stream(staff.at(-1)!)).toMatchObject({ status: 429, body: { error: { code: 'too_many_streams' } } });

    // The owner still gets their stream, and it is live: a shadow request reaches it.
    const mine = await stream(owner);
    ownerStream = mine;
    expect(mine.status).toBe(200);
    expect(JSON.parse(await mine.waitFor('state'))).toMatchObject({ session: { id: sessionId, state: 'ready' } });
    const asked = (await staff[0]!.post(`/api/v1/sessions/${sessionId}/shadow`, { mode: 'view', reason: 'ticket #2: still there?' }))
      .body as { shadow: { id: string } };
    const got = await Promise.race([
      mine.waitFor('shadow').then((d) => ({ shadow: JSON.parse(d) as unknown })),
      mine.waitFor('error').then((d) => ({ error: JSON.parse(d) as unknown })),
    ]);
    expect(got).toMatchObject({ shadow: { shadow: { id: asked.shadow.id, state: 'pending' } } });
    expect((await owner.post(`/api/v1/shadows/${asked.shadow.id}/deny`)).status).toBe(200);
  });

  it('the owner over their own cap replaces their oldest stream, which is told why', async () => {
    const first = await stream(owner);
    for (let i = 1; i < MAX_STREAMS_PER_WATCHER; i++) expect((await stream(owner)).status).toBe(200);
    const newest = await stream(owner);
    expect(newest.status).toBe(200);
    // The oldest of the owner's streams was the one from the test before; then this test's first.
    expect(JSON.parse(await ownerStream!.waitFor('error'))).toMatchObject({ message: expect.stringMatching(/newer stream/) });
    expect((await stream(owner)).status).toBe(200);
    expect(JSON.parse(await first.waitFor('error'))).toMatchObject({ message: expect.stringMatching(/newer stream/) });
    expect(JSON.parse(await newest.waitFor('state'))).toMatchObject({ session: { id: sessionId } });
  });
});
