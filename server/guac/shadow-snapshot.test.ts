import { describe, expect, it } from 'vitest';
import { encodeInstruction } from './instructions.ts';
import {
  createOwnerSnapshots,
  createSnapshotRegistry,
  MAX_SNAPSHOT_CHARS,
  snapshotInstructions,
  SNAPSHOT_PREFIX,
} from './shadow-snapshot.ts';

const part = (id: string, text: string) => encodeInstruction('deskport-snapshot', id, text);

describe('an owner display’s snapshots', () => {
  it('asks the browser, joins its parts, and ends at the empty part', async () => {
    const sent: string[] = [];
    const o = createOwnerSnapshots((t) => sent.push(t));
    const got = o.request();
    expect(sent).toEqual(['17.deskport-snapshot,1.1;']);
    expect(sent[0]!.startsWith(SNAPSHOT_PREFIX)).toBe(true);
    expect(o.receive(part('1', 'iVBOR'))).toBe(true);
    expect(o.receive(part('1', 'w0KGgo='))).toBe(true);
    expect(o.receive(part('1', ''))).toBe(true);
    expect(await got).toBe('iVBORw0KGgo=');
  });

  it('shares one answer between requests made while it is on its way, and ignores answers to other requests', async () => {
    const sent: string[] = [];
    const o = createOwnerSnapshots((t) => sent.push(t));
    const a = o.request();
    const b = o.request();
    expect(sent).toHaveLength(1);
    expect(o.receive(part('9', 'AAAA'))).toBe(true);
    o.receive(part('1', 'QUJD'));
    o.receive(part('1', ''));
    expect(await Promise.all([a, b])).toEqual(['QUJD', 'QUJD']);
  });

  it('gives no picture for an empty answer, a timeout, or a closed display', async () => {
    const o = createOwnerSnapshots(() => undefined, 50);
    const empty = o.request();
    o.receive(part('1', ''));
    expect(await empty).toBeNull();
    expect(await o.request()).toBeNull(); // nobody answers within 50 ms
    const closed = o.request();
    o.close();
    expect(await closed).toBeNull();
  });

  it('refuses what is not a snapshot part, and gives up on a picture over the cap', async () => {
    const o = createOwnerSnapshots(() => undefined);
    expect(o.receive(encodeInstruction('deskport-snapshot', '1', 'not base64!'))).toBe(false);
    const p = createOwnerSnapshots(() => undefined);
    expect(p.receive(encodeInstruction('deskport-snapshot', '1'))).toBe(false);
    const q = createOwnerSnapshots(() => undefined);
    expect(q.receive(`5.mouse,${'9'.repeat(20)}.1;`)).toBe(false); // a length no part has
    const big = createOwnerSnapshots(() => undefined);
    const got = big.request();
    const chunk = 'A'.repeat(8000);
    for (let n = 0; n <= MAX_SNAPSHOT_CHARS / chunk.length; n++) big.receive(part('1', chunk));
    expect(await got).toBeNull();
  });
});

describe('the picture for a join', () => {
  it('is an image stream on the default layer in blob parts, then a sync', () => {
    const png = 'B'.repeat(8001);
    const out = snapshotInstructions(png, '12345');
    expect(out[0]).toBe('3.img,4.1000,2.12,1.0,9.image/png,1.0,1.0;');
    expect(out[1]).toBe(`4.blob,4.1000,8000.${'B'.repeat(8000)};`);
    expect(out[2]).toBe('4.blob,4.1000,1.B;');
    expect(out.slice(3)).toEqual(['3.end,4.1000;', '4.sync,5.12345;']);
  });

  it('comes from the session’s owner display registered last, and from none once it is gone', async () => {
    const reg = createSnapshotRegistry();
    expect(await reg.request('s1')).toBeNull();
    const first = createOwnerSnapshots(() => undefined);
    const sent: string[] = [];
    const second = createOwnerSnapshots((t) => sent.push(t));
    reg.set('s1', first);
    reg.set('s1', second);
    reg.remove('s1', first); // the older display closing does not remove the newer one
    const got = reg.request('s1');
    expect(sent).toHaveLength(1);
    second.receive(part('1', 'QQ=='));
    second.receive(part('1', ''));
    expect(await got).toBe('QQ==');
    reg.remove('s1', second);
    expect(await reg.request('s1')).toBeNull();
  });
});
