// guacd's own clipboard switches, as the gateway sets them from the session policy (settings.ts
// clipboardParams), against a real guacd and a real OpenSSH server, with no gateway filter in between:
// with disable-paste the browser's clipboard is never pasted into the terminal, with disable-copy a
// selection in the terminal never reaches the browser; the same steps with both allowed do both (so
// each check can fail). Markers are files the shell creates, so nothing here waits on a timer.
import { randomBytes } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import GuacdClient from 'guacamole-lite/lib/GuacdClient.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInstructionParser, encodeInstruction as enc, type Instruction } from '../../server/guac/instructions.ts';
import { clipboardParams, machineSettings } from '../../server/guac/settings.ts';
import { startGuacd, type GuacdProcess } from '../helpers/guacd-process.ts';
import { startSshd, type TestSshd } from '../helpers/sshd.ts';

let guacd: GuacdProcess;
let sshd: TestSshd;
const clients: GuacdClient[] = [];

beforeAll(async () => {
  sshd = await startSshd();
  guacd = await startGuacd();
}, 60_000);

afterAll(async () => {
  for (const c of clients) c.close();
  await guacd?.kill();
  await sshd?.stop();
}, 30_000);

const silent = { log: () => undefined };

/** An SSH terminal through guacd with the policy's clipboard parameters; every instruction guacd sends is kept. */
async function terminal(rule: { toDesktop: boolean; fromDesktop: boolean }) {
  const settings = machineSettings({
    port: sshd.port,
    display: { width: 1024, height: 768, dpi: 96 },
    mode: 'control',
    protocol: 'ssh',
    settings: { username: sshd.user, 'private-key': sshd.privateKey },
    extra: clipboardParams(rule),
  });
  const c = new GuacdClient(guacd.guacd.endpoint()!, 'ssh', settings, silent);
  clients.push(c);
  const got: Instruction[] = [];
  const parser = createInstructionParser({ maxInstructionChars: 1 << 22, maxElements: 64 });
  c.on('data', (raw: string) => {
    for (const ins of parser.push(raw)) {
      got.push(ins);
      if (ins.opcode === 'sync') c.send(enc('sync', ins.args[0] ?? '0'));
    }
  });
  await new Promise<void>((resolve, reject) => (c.once('open', () => resolve()), c.once('close', reject)));
  const type = (text: string) => {
    for (const ch of text) {
      const sym = ch === '\n' ? 0xff0d : ch.charCodeAt(0);
      c.send(enc('key', String(sym), '1') + enc('key', String(sym), '0'));
    }
  };
  /** Types `touch FILE` until the file exists: everything sent before it has been handled by guacd. */
  const barrier = async () => {
    const f = join(sshd.dir, `barrier-${randomBytes(4).toString('hex')}`);
    const deadline = Date.now() + 20_000;
    while (!existsSync(f)) {
      if (Date.now() > deadline) throw new Error('the terminal never ran a typed command');
      type(`touch ${f}\n`);
      for (let i = 0; i < 20 && !existsSync(f); i++) await new Promise((r) => setTimeout(r, 100));
    }
    rmSync(f);
  };
  return { c, got, type, barrier };
}

async function pasteAndCopy(rule: { toDesktop: boolean; fromDesktop: boolean }) {
  const t = await terminal(rule);
  await t.barrier(); // the shell is up
  // Paste: the browser's clipboard, then a right click in the terminal (guacd pastes on it), then Return.
  const pasted = join(sshd.dir, `pasted-${randomBytes(4).toString('hex')}`);
  t.c.send(enc('clipboard', '1', 'text/plain') + enc('blob', '1', Buffer.from(`touch ${pasted}`).toString('base64')) + enc('end', '1'));
  t.c.send(enc('mouse', '100', '100', '4') + enc('mouse', '100', '100', '0'));
  t.type('\n');
  // Copy: a drag over the top rows selects their text; guacd sends it as the clipboard on release.
  t.c.send(enc('mouse', '2', '2', '1') + enc('mouse', '700', '60', '1') + enc('mouse', '700', '60', '0'));
  await t.barrier();
  return { pasted: existsSync(pasted), copied: t.got.some((i) => i.opcode === 'clipboard') };
}

describe('guacd disable-copy / disable-paste from the clipboard policy (real guacd, real sshd)', () => {
  it('both allowed: a paste runs in the shell and a selection reaches the browser', async () => {
    expect(await pasteAndCopy({ toDesktop: true, fromDesktop: true })).toEqual({ pasted: true, copied: true });
  }, 90_000);

  it('none: guacd pastes nothing and sends no selection', async () => {
    expect(await pasteAndCopy({ toDesktop: false, fromDesktop: false })).toEqual({ pasted: false, copied: false });
  }, 90_000);
});
