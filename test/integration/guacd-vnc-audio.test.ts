// Sound through guacd without a browser: a real Xvnc, a real PulseAudio (test-owned, loopback TCP) and a
// real guacd 1.6.0 with guacd's VNC audio (enable-audio + audio-servername) and the gateway's audio
// parameters (server/guac/audio.ts). A tone played into PulseAudio reaches the owner's connection as
// audio/L16; guacd also broadcasts it to helpdesk joins, so the gateway's filter is what keeps it from a
// join without the owner's sound consent, and what lets it through to a join with consent.
import GuacdClient, { type GuacdSettings } from 'guacamole-lite/lib/GuacdClient.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { audioParams, createAudioFilter, type AudioFilter } from '../../server/guac/audio.ts';
import { createInstructionParser, encodeInstruction as enc, type Instruction } from '../../server/guac/instructions.ts';
import { joinSettings, machineSettings } from '../../server/guac/settings.ts';
import { startGuacd, type GuacdProcess } from '../helpers/guacd-process.ts';
import { startPulse, type TestPulse } from '../helpers/pulse.ts';
import { tonePower } from '../helpers/tone.ts';
import { startXvnc, type XvncHandle } from '../helpers/xvnc.ts';

const PASSWORD = 'audio-pw';
const HZ = 880;
let xvnc: XvncHandle;
let pulse: TestPulse;
let guacd: GuacdProcess;
const clients: GuacdClient[] = [];

beforeAll(async () => {
  [xvnc, pulse, guacd] = await Promise.all([startXvnc(PASSWORD), startPulse(), startGuacd()]);
}, 60_000);

afterAll(async () => {
  for (const c of clients) c.close();
  await Promise.all([guacd?.kill(), pulse?.stop(), xvnc?.stop()]);
}, 30_000);

const display = { width: 1024, height: 768, dpi: 96 };
const silent = { log: () => undefined };

/** One guacd user; `seen` is what guacd sent, `passed` what the gateway's audio filter lets on to the browser. */
function user(selector: string, settings: GuacdSettings, filter: AudioFilter) {
  const c = new GuacdClient(guacd.guacd.endpoint()!, selector, settings, silent);
  clients.push(c);
  const parse = () => createInstructionParser({ maxInstructionChars: 1 << 22, maxElements: 4096 });
  const [p1, p2] = [parse(), parse()];
  const seen: Instruction[] = [];
  const passed: Instruction[] = [];
  const waiters: (() => void)[] = [];
  c.on('data', (raw: string) => {
    for (const ins of p1.push(raw)) {
      seen.push(ins);
      if (ins.opcode === 'sync') c.send(enc('sync', ins.args[0] ?? '0'));
    }
    passed.push(...p2.push(filter.filter(raw)));
    for (const w of waiters.splice(0)) w();
  });
  const opened = new Promise<void>(
    (resolve, reject) => (c.once('open', () => resolve()), c.once('close', () => reject(new Error(guacd.log())))),
  );
  /** Resolves once `test` holds on what arrived (checked on every instruction), or fails after 30 s. */
  const until = (what: string, test: () => boolean) =>
    new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`never: ${what}\n${guacd.log()}`)), 30_000);
      const check = () => (test() ? (clearTimeout(t), resolve()) : waiters.push(check));
      check();
    });
  return { c, seen, passed, opened, until };
}

/** The PCM of the audio streams in `list` (left channel of 16-bit stereo), and their mimetypes. */
function sound(list: Instruction[]): { mimetypes: string[]; pcm: Buffer } {
  const streams = new Set<string>();
  const mimetypes: string[] = [];
  const parts: Buffer[] = [];
  for (const ins of list) {
    if (ins.opcode === 'audio') (streams.add(ins.args[0] ?? ''), mimetypes.push(ins.args[1] ?? ''));
    else if (ins.opcode === 'blob' && streams.has(ins.args[0] ?? '')) {
      const b = Buffer.from(ins.args[1] ?? '', 'base64');
      const left = Buffer.alloc(Math.floor(b.length / 4) * 2);
      for (let i = 0; i + 3 < b.length; i += 4) left.writeInt16LE(b.readInt16LE(i), i / 2);
      parts.push(left);
    }
  }
  return { mimetypes, pcm: Buffer.concat(parts) };
}
const heardTone = (list: Instruction[]) => {
  const s = sound(list).pcm;
  // Half a second of sound (the start may be a ramp), with the tone dominating.
  return s.length >= 44_100 && tonePower(s.subarray(-44_100), HZ, 44_100) > 0.5;
};

describe('guacd VNC sound with the gateway’s audio parameters and filter (no browser; real Xvnc, PulseAudio, guacd)', () => {
  it('the owner hears a tone played into PulseAudio as audio/L16; a join hears it only with the owner’s sound consent', async () => {
    const owner = user(
      'vnc',
      {
        ...machineSettings({
          port: xvnc.port,
          display,
          mode: 'control',
          protocol: 'vnc',
          // What a VNC machine would need (not a machine setting yet, docs/audio.md).
          settings: { password: PASSWORD, 'enable-audio': 'true', 'audio-servername': pulse.server },
        }),
        ...audioParams(true, 'vnc', false),
      },
      createAudioFilter(true),
    );
    await owner.opened;
    const id = owner.c.guacamoleConnectionId ?? '';
    expect(id).toBeTruthy();
    const withoutConsent = user(
      id,
      { ...joinSettings({ display, mode: 'view' }), ...audioParams(false, 'rdp', true) },
      createAudioFilter(false),
    );
    const withConsent = user(
      id,
      { ...joinSettings({ display, mode: 'view' }), ...audioParams(true, 'rdp', true) },
      createAudioFilter(true),
    );
    await Promise.all([withoutConsent.opened, withConsent.opened]);

    const playing = pulse.play(HZ, 4000);
    await owner.until('the owner hears the tone', () => heardTone(owner.passed));
    expect(sound(owner.passed).mimetypes[0]).toMatch(/^audio\/L16;rate=44100,channels=2$/);
    await withConsent.until('the consenting join hears the tone', () => heardTone(withConsent.passed));
    // guacd sends the sound to every user of the connection: without the gateway's filter this join would hear it.
    await withoutConsent.until('guacd sends the join the tone too', () => heardTone(withoutConsent.seen));
    expect(withoutConsent.passed.filter((i) => i.opcode === 'audio')).toEqual([]);
    expect(sound(withoutConsent.passed).pcm.length).toBe(0);
    // Everything else still reaches it (its display works).
    expect(withoutConsent.passed.some((i) => i.opcode === 'img' || i.opcode === 'sync')).toBe(true);
    await playing;
  }, 90_000);
});
