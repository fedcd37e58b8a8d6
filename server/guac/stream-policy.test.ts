// The gateway's filter of Guacamole clipboard and file streams: directions the policy turns off are
// refused, clipboard texts over the cap are dropped whole (also when split over many blobs), files
// over the cap are cut with a refusal both sides can read, and each transfer is reported with its hash.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createInstructionParser, encodeInstruction as enc } from './instructions.ts';
import {
  CANCEL_OPCODE,
  createStreamPolicy,
  opcodeOf,
  PARTIAL_OPCODE,
  REFUSED_OPCODE,
  STREAM_INDEX_MIMETYPE,
  type StreamRules,
  type Transfer,
} from './stream-policy.ts';

const rules = (
  o: Partial<{ to: boolean; from: boolean; clipMax: number; up: boolean; down: boolean; fileMax: number }> = {},
): StreamRules => ({
  clipboard: { toDesktop: o.to ?? true, fromDesktop: o.from ?? true, maxBytes: o.clipMax ?? 1024 },
  files: { upload: o.up ?? true, download: o.down ?? true, maxBytes: o.fileMax ?? 1 << 20 },
});

function setup(r: StreamRules, removePartial?: (name: string) => boolean) {
  const blocked: string[] = [];
  const transfers: Transfer[] = [];
  const p = createStreamPolicy(r, {
    clipboardBlocked: (d) => blocked.push(d),
    transfer: (t) => transfers.push(t),
    ...(removePartial ? { removePartial } : {}),
  });
  const parser = createInstructionParser({ maxInstructionChars: 1 << 20, maxElements: 16 });
  /** Runs instructions through one side; returns what passes on, and what goes back to the sender. */
  const run = (side: 'fromBrowser' | 'fromGuacd', text: string) => {
    let on = '';
    const back: string[] = [];
    for (const ins of parser.push(text)) {
      const extra: string[] = [];
      const r = p[side].take(ins, back, extra);
      on += (r ?? ins.raw) + extra.join('');
    }
    return { on, back };
  };
  return { run, blocked, transfers, p };
}

const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64');
const clip = (stream: string, ...parts: string[]) =>
  enc('clipboard', stream, 'text/plain') + parts.map((t) => enc('blob', stream, b64(t))).join('') + enc('end', stream);

describe('clipboard streams', () => {
  it('pass whole in an allowed direction, interleaved with other instructions', () => {
    const { run } = setup(rules());
    const other = enc('mouse', '1', '2', '0');
    const text =
      enc('clipboard', '3', 'text/plain') + enc('blob', '3', b64('hello ')) + other + enc('blob', '3', b64('world')) + enc('end', '3');
    const out = run('fromBrowser', text).on;
    expect(out).toBe(
      other + enc('clipboard', '3', 'text/plain') + enc('blob', '3', b64('hello ')) + enc('blob', '3', b64('world')) + enc('end', '3'),
    );
  });

  it('are dropped in a direction the policy turns off, and counted', () => {
    const s = setup(rules({ to: false }));
    expect(s.run('fromBrowser', clip('1', 'secret')).on).toBe('');
    expect(s.run('fromGuacd', clip('1', 'desktop text')).on).toBe(clip('1', 'desktop text'));
    const t = setup(rules({ from: false }));
    expect(t.run('fromGuacd', clip('1', 'desktop text')).on).toBe('');
    expect([...s.blocked, ...t.blocked]).toEqual(['to_desktop', 'from_desktop']);
  });

  it('over the cap are dropped whole, also when split over blobs each under it', () => {
    const s = setup(rules({ clipMax: 10 }));
    expect(s.run('fromGuacd', clip('1', '12345', '67890')).on).toBe(clip('1', '12345', '67890')); // exactly 10 bytes
    expect(s.run('fromGuacd', clip('1', '12345', '678901')).on).toBe('');
    expect(s.run('fromBrowser', clip('2', 'x'.repeat(11))).on).toBe('');
    expect(s.blocked).toEqual(['from_desktop', 'to_desktop']);
  });
});

describe('file streams', () => {
  const upload = (stream: string, name: string, ...parts: Buffer[]) =>
    enc('put', '0', stream, 'application/octet-stream', name) + parts.map((p) => enc('blob', stream, b64(p))).join('') + enc('end', stream);
  const download = (stream: string, name: string, ...parts: Buffer[]) =>
    enc('body', '0', stream, 'application/octet-stream', name) +
    parts.map((p) => enc('blob', stream, b64(p))).join('') +
    enc('end', stream);

  it('pass untouched and are reported with size and SHA-256', () => {
    const s = setup(rules());
    const a = Buffer.from('first part,'),
      b = Buffer.from('second part');
    expect(s.run('fromBrowser', upload('5', '/notes.txt', a, b)).on).toBe(upload('5', '/notes.txt', a, b));
    expect(s.run('fromGuacd', download('2', '/notes.txt', a)).on).toBe(download('2', '/notes.txt', a));
    const sha = (x: Buffer) => createHash('sha256').update(x).digest('hex');
    expect(s.transfers).toEqual([
      { direction: 'upload', name: '/notes.txt', bytes: a.length + b.length, sha256: sha(Buffer.concat([a, b])), result: 'ok' },
      { direction: 'download', name: '/notes.txt', bytes: a.length, sha256: sha(a), result: 'ok' },
    ]);
  });

  it('a directory listing is not a download: it passes when downloads are off', () => {
    const s = setup(rules({ down: false }));
    const listing = enc('body', '0', '4', STREAM_INDEX_MIMETYPE, '/') + enc('blob', '4', b64('{"/a":"text/plain"}')) + enc('end', '4');
    expect(s.run('fromGuacd', listing).on).toBe(listing);
    expect(s.transfers).toEqual([]);
  });

  it('an upload the policy turns off never reaches guacd; the browser gets a forbidden ack', () => {
    const s = setup(rules({ up: false }));
    const r = s.run('fromBrowser', upload('5', '/x.bin', Buffer.from('data')) + enc('file', '6', 'text/plain', 'y.txt') + enc('end', '6'));
    expect(r.on).toBe('');
    expect(r.back).toEqual([
      enc('ack', '5', 'uploads are turned off for this desktop', '771'),
      enc('ack', '6', 'uploads are turned off for this desktop', '771'),
    ]);
    expect(s.transfers.map((t) => t.result)).toEqual(['denied', 'denied']);
  });

  it('a download the policy turns off: guacd gets a refusing ack, the browser a refusal and the end of its stream', () => {
    const s = setup(rules({ down: false }));
    const r = s.run('fromGuacd', enc('body', '0', '7', 'application/octet-stream', '/secret.pdf'));
    expect(r.back).toEqual([enc('ack', '7', 'downloads are turned off for this desktop', '771')]);
    expect(r.on).toBe(
      enc('body', '0', '7', 'application/octet-stream', '/secret.pdf') +
        enc(REFUSED_OPCODE, '7', 'downloads are turned off for this desktop') +
        enc('end', '7'),
    );
  });

  it('a file over the cap is cut: the sender is refused, the receiver ends the stream, the rest is dropped', () => {
    const s = setup(rules({ fileMax: 10 }));
    const r = s.run('fromBrowser', upload('5', '/big.bin', Buffer.alloc(8), Buffer.alloc(8), Buffer.alloc(8)));
    expect(r.on).toBe(
      enc('put', '0', '5', 'application/octet-stream', '/big.bin') + enc('blob', '5', b64(Buffer.alloc(8))) + enc('end', '5'),
    );
    expect(r.back).toEqual([enc('ack', '5', 'the file is larger than this desktop allows (0 MB)', String(0x030d))]);
    const d = s.run('fromGuacd', download('3', '/big.bin', Buffer.alloc(8), Buffer.alloc(8)));
    expect(d.on).toContain(enc(REFUSED_OPCODE, '3', 'the file is larger than this desktop allows (0 MB)'));
    expect(s.transfers.map((t) => [t.direction, t.result, t.bytes])).toEqual([
      ['upload', 'failed', 16],
      ['download', 'failed', 16],
    ]);
  });

  it('an index reused by another stream is no longer followed', () => {
    const s = setup(rules({ up: false }));
    s.run('fromBrowser', enc('put', '0', '5', 'application/octet-stream', '/x'));
    const audio = enc('audio', '5', 'audio/L16;rate=44100') + enc('blob', '5', b64('pcm'));
    expect(s.run('fromBrowser', audio).on).toBe(audio);
  });
});

it('opcodeOf reads the opcode of a whole instruction', () => {
  expect(opcodeOf(enc('blob', '1', 'AAAA'))).toBe('blob');
  expect(opcodeOf(enc('clipboard', '1', 'text/plain'))).toBe('clipboard');
});

describe('uploads that end short', () => {
  const put = (stream: string, name: string) => enc('put', '1', stream, 'application/octet-stream', name);

  it('a cancel is not forwarded; its end is, and the browser hears whether the partial file was removed', () => {
    for (const removable of [true, false]) {
      const removed: string[] = [];
      const { run, transfers } = setup(rules(), (name) => (removed.push(name), removable));
      run('fromBrowser', put('5', '/big.bin') + enc('blob', '5', b64('part')));
      const r = run('fromBrowser', enc(CANCEL_OPCODE, '5') + enc('end', '5'));
      expect(r.on).toBe(enc('end', '5'));
      expect(r.back).toEqual([enc(PARTIAL_OPCODE, '5', removable ? 'removed' : 'kept', '4')]);
      expect(removed).toEqual(['/big.bin']);
      expect(transfers).toEqual([
        expect.objectContaining({
          direction: 'upload',
          result: 'failed',
          bytes: 4,
          reason: `cancelled by the person; the partial file ${removable ? 'was removed' : 'stays on the machine'}`,
        }),
      ]);
    }
  });

  it('an upload cut at the size cap, and one open when the display closes, have their partial files removed', () => {
    const removed: string[] = [];
    const { run, p, transfers } = setup(rules({ fileMax: 4 }), (name) => (removed.push(name), true));
    run('fromBrowser', put('6', '/over.bin') + enc('blob', '6', b64('12345')));
    run('fromBrowser', put('7', '/open.bin') + enc('blob', '7', b64('12')));
    p.fromBrowser.close();
    expect(removed).toEqual(['/over.bin', '/open.bin']);
    expect(transfers.map((t) => [t.name, t.result])).toEqual([
      ['/over.bin', 'failed'],
      ['/open.bin', 'failed'],
    ]);
    expect(p.fromBrowser.active()).toBe(0);
  });

  it('a finished upload is never removed, and a cancel of an unknown stream is only dropped', () => {
    const removed: string[] = [];
    const { run } = setup(rules(), (name) => (removed.push(name), true));
    run('fromBrowser', put('8', '/ok.bin') + enc('blob', '8', b64('fine')) + enc('end', '8'));
    expect(run('fromBrowser', enc(CANCEL_OPCODE, '9')).on).toBe('');
    expect(removed).toEqual([]);
  });
});
