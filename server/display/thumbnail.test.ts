// The guacd branch of the helpdesk thumbnails: which connection is joined, what happens when the
// owner's display is not open, and the cache/sharing shared with the VNC path. The grab itself is a
// stub here (grabGuacFrame has its own tests against a fake and a real guacd).
import { describe, expect, it } from 'vitest';
import { DomainError } from '../errors.ts';
import { createGuacConnections } from './guac-connections.ts';
import { createThumbnails } from './thumbnail.ts';

function setup(endpoint: { host: string; port: number } | null = { host: '127.0.0.1', port: 4822 }) {
  const connections = createGuacConnections();
  const grabs: string[] = [];
  let clock = 0;
  const t = createThumbnails({
    openStream: () => Promise.reject(new Error('a guacd session must not open an RFB stream')),
    guac: {
      endpoint: () => endpoint,
      connections,
      grab: async (_e, id) => {
        grabs.push(id);
        await new Promise((r) => setImmediate(r));
        return Buffer.from(`png of ${id}`);
      },
    },
    now: () => clock,
  });
  return { t, connections, grabs, tick: (ms: number) => (clock += ms) };
}

describe('thumbnails of sessions shown through guacd', () => {
  it('join the owner’s current guacd connection, shared and cached like VNC thumbnails', async () => {
    const { t, connections, grabs, tick } = setup();
    connections.add('s1', '$owner');
    const [a, b] = await Promise.all([t.get('s1', 'guacd'), t.get('s1', 'guacd')]);
    expect(a.toString()).toBe('png of $owner');
    expect(b).toBe(a);
    expect(grabs).toEqual(['$owner']);
    tick(1000);
    await t.get('s1', 'guacd');
    expect(grabs).toHaveLength(1);
    tick(5000);
    await t.get('s1', 'guacd');
    expect(grabs).toHaveLength(2);
  });

  it('answer 503 display_not_connected when no owner display is open, and when guacd is down', async () => {
    const { t } = setup();
    await expect(t.get('s2', 'guacd')).rejects.toMatchObject({ kind: 'unavailable', code: 'display_not_connected' });
    const down = setup(null);
    down.connections.add('s3', '$x');
    const err = await down.t.get('s3', 'guacd').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DomainError);
    expect(err).toMatchObject({ code: 'guacd_unavailable' });
  });
});
