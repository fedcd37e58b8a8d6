// guacd's VNC sound played in Chromium by the viewer's guac sound glue (guacSound.ts) and
// guacamole-common-js: a real Xvnc, a real PulseAudio (test-owned, loopback TCP), a real guacd with
// enable-audio + audio-servername, and a tone played into PulseAudio found by the page's WebAudio
// analyser after the Sound click. NOT the gateway's /ws/rdp: existing VNC machines have no setting for
// a PulseAudio server yet (docs/audio.md), so a test relay carries the tunnel, with the gateway's own
// guard and audio filter (server/guac/guard.ts, audio.ts) in between.
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { build } from 'esbuild';
import GuacdClient from 'guacamole-lite/lib/GuacdClient.js';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { audioParams, createAudioFilter } from '../../server/guac/audio.ts';
import { createGuard } from '../../server/guac/guard.ts';
import { machineSettings } from '../../server/guac/settings.ts';
import { ARTIFACTS, launchChromium } from '../helpers/browser.ts';
import { startGuacd, type GuacdProcess } from '../helpers/guacd-process.ts';
import { startPulse, type TestPulse } from '../helpers/pulse.ts';
import { startXvnc, type XvncHandle } from '../helpers/xvnc.ts';
import { heard as heardAt } from './sound-page.ts';

const PASSWORD = 'audio-pw';
let xvnc: XvncHandle;
let pulse: TestPulse;
let guacd: GuacdProcess;
let http: Server;
let wss: WebSocketServer;
let browser: Browser;
let page: Page;
const clients: GuacdClient[] = [];
/** Whether the relay lets sound through (the policy's `audio`), per test. */
let hears = true;

beforeAll(async () => {
  [xvnc, pulse, guacd] = await Promise.all([startXvnc(PASSWORD), startPulse(), startGuacd()]);
  const bundle = await build({
    entryPoints: [join(import.meta.dirname, 'fixtures/guac-sound-page.ts')],
    bundle: true,
    format: 'esm',
    target: 'es2022',
    write: false,
  });
  const js = bundle.outputFiles[0]!.text;
  const html = `<!doctype html><button id="sound">Sound</button><div id="screen"></div><script type="module" src="/page.js"></script>`;
  http = createServer((req, res) => {
    if (req.url === '/page.js') return res.writeHead(200, { 'content-type': 'text/javascript' }).end(js);
    res.writeHead(200, { 'content-type': 'text/html' }).end(html);
  });
  wss = new WebSocketServer({ server: http, handleProtocols: () => 'guacamole' });
  wss.on('connection', (ws) => {
    const filter = createAudioFilter(hears);
    const guard = createGuard('control');
    const settings = {
      ...machineSettings({
        port: xvnc.port,
        display: { width: 1024, height: 768, dpi: 96 },
        mode: 'control',
        protocol: 'vnc',
        settings: { password: PASSWORD, 'enable-audio': 'true', 'audio-servername': pulse.server },
      }),
      ...audioParams(hears, 'vnc', false),
    };
    const c = new GuacdClient(guacd.guacd.endpoint()!, 'vnc', settings, { log: () => undefined });
    clients.push(c);
    let open = false;
    c.on('open', () => (open = true));
    c.on('data', (raw: string) => {
      const text = filter.filter(raw);
      if (text && ws.readyState === ws.OPEN) ws.send(text);
    });
    c.on('close', () => ws.close());
    ws.on('message', (d) => {
      const out = guard.receive(d.toString());
      for (const t of out.toBrowser) ws.send(t);
      if (open && out.toGuacd) c.send(out.toGuacd);
    });
    ws.on('close', () => c.close());
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  for (const c of clients) c.close();
  wss?.close();
  http?.close();
  await Promise.all([guacd?.kill(), pulse?.stop(), xvnc?.stop()]);
}, 30_000);

/** In the page: true once the analyser's loudest bin is `hz`, false after `ms`. */
const heard = (hz: number, ms: number): Promise<boolean> => heardAt(page, hz, ms).then((at) => at !== null);

async function openPage(): Promise<void> {
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(`http://127.0.0.1:${(http.address() as { port: number }).port}/`);
  // Guacamole.Client.State.CONNECTED is 3.
  await page.waitForFunction(() => (window as unknown as { __guacState: number }).__guacState === 3, undefined, { timeout: 60_000 });
  await page.click('#sound');
}

describe('guacd VNC sound in Chromium via guacSound.ts (test relay with the gateway’s guard and audio filter, not /ws/rdp)', () => {
  it('a tone played into PulseAudio is heard in the page after the Sound click', async () => {
    hears = true;
    await openPage();
    const playing = pulse.play(880, 6000);
    expect(await heard(880, 20_000)).toBe(true);
    expect(await page.evaluate(() => (window as unknown as { __audioMimetypes: string[] }).__audioMimetypes)).toEqual([
      'audio/L16;rate=44100,channels=2',
    ]);
    await page.screenshot({ path: join(ARTIFACTS, 'guac-sound-vnc.png') });
    await playing;
    await page.close();
  }, 120_000);

  it('with the policy’s audio off the page gets no audio stream and hears nothing', async () => {
    hears = false;
    await openPage();
    const playing = pulse.play(660, 4000);
    expect(await heard(660, 4000)).toBe(false);
    expect(await page.evaluate(() => (window as unknown as { __audioMimetypes: string[] }).__audioMimetypes)).toEqual([]);
    await playing;
    await page.close();
  }, 120_000);
});
