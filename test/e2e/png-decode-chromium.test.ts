// The PNG decoder against PNGs a real, independent encoder made: Chromium's canvas.toDataURL (Skia)
// and a page screenshot. Pixels are known because the page draws them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { decodePng } from '../../server/display/png-decode.ts';
import { launchChromium } from '../helpers/browser.ts';

let browser: Browser;
let page: Page;

beforeAll(async () => {
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 120, height: 90 } });
  await page.setContent('<body style="margin:0;background:#00ff00"></body>');
}, 60_000);

afterAll(async () => {
  await browser?.close();
});

describe('decodePng with PNGs from Chromium', () => {
  it('decodes a canvas with a gradient and transparency (RGBA, filtered rows)', async () => {
    const dataUrl = await page.evaluate(() => {
      const c = document.createElement('canvas');
      c.width = 37;
      c.height = 23;
      const g = c.getContext('2d')!;
      const img = g.createImageData(37, 23);
      for (let y = 0; y < 23; y++)
        for (let x = 0; x < 37; x++) {
          const i = (y * 37 + x) * 4;
          img.data.set([(x * 7) & 255, (y * 11) & 255, (x * y) & 255, x < 5 ? 0 : 255], i);
        }
      g.putImageData(img, 0, 0);
      return c.toDataURL('image/png');
    });
    const d = decodePng(Buffer.from(dataUrl.split(',')[1]!, 'base64'));
    expect([d.width, d.height]).toEqual([37, 23]);
    for (let y = 0; y < 23; y++)
      for (let x = 5; x < 37; x++) {
        const i = (y * 37 + x) * 4;
        expect([...d.rgba.subarray(i, i + 4)]).toEqual([(x * 7) & 255, (y * 11) & 255, (x * y) & 255, 255]);
      }
    expect(d.rgba[3]).toBe(0);
  });

  it('decodes a page screenshot', async () => {
    const d = decodePng(await page.screenshot({ type: 'png' }));
    expect([d.width, d.height]).toEqual([120, 90]);
    for (let i = 0; i < d.rgba.length; i += 4) expect([...d.rgba.subarray(i, i + 4)]).toEqual([0, 255, 0, 255]);
  });
});
