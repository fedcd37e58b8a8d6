// Debian's Chromium through playwright-core, with the flags this closed network needs, and the
// places e2e tests put their screenshots.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
export const CHROMIUM_PATH = '/usr/bin/chromium';
export const ARTIFACTS = join(process.cwd(), 'test-artifacts');

declare global {
  // The viewer's test hook (client/src/modules/viewer/debugHook.ts).
  interface Window { __deskport?: { rfbState: string; sessionId: string; attempts: number } }
}

export async function launchChromium(): Promise<Browser> {
  mkdirSync(ARTIFACTS, { recursive: true });
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
}
