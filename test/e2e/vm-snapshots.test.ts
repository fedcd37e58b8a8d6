// End to end in Chromium: snapshots of a person's disk in a personal VM pool, from My desktops. A
// real gateway, a real `bin/deskport agent --driver qemu` process and real QEMU (TCG) booting the
// small vm-test image. Before the first launch the dialog says there is no disk yet; while the
// desktop runs a snapshot is taken and Restore waits; after the desktop ended the snapshot is
// restored (after a second click) and deleted.
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareTestImage } from '../../agents/qemu/testing.ts';
import { ARTIFACTS, launchChromium, waitForFirstFrame } from '../helpers/browser.ts';
import type { TestAgent } from '../helpers/cluster.ts';
import type { Api, TestGateway } from '../helpers/gateway.ts';
import { signInPage } from './docker-pool.ts';
import { startVmRig, stopVmRig, type VmRig } from './vm-rig.ts';

const POOL = 'My own VM';
let rig: VmRig | undefined;
let t: TestGateway;
let admin: Api;
let host: TestAgent;
let browser: Browser;
let page: Page;
let poolId: string;

beforeAll(async () => {
  await prepareTestImage();
  rig = await startVmRig('vm-snap', {
    name: POOL,
    description: 'A virtual machine that keeps your disk.',
    protocol: 'vnc',
    image: 'vm-test',
    memoryMb: 256,
    persistence: 'personal',
  });
  ({ t, admin, host, poolId } = rig);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await stopVmRig(rig);
}, 60_000);

const dialog = () => page.getByTestId('snapshots-dialog');
const openSnapshots = async () => {
  await page.getByRole('button', { name: `Snapshots of ${POOL}` }).click();
  await dialog().waitFor();
};

describe('snapshots of a personal VM disk in the browser', () => {
  it('no disk before the first launch; a live snapshot while it runs; restore and delete once it ended', async () => {
    await signInPage(page, t.url);
    await openSnapshots();
    await dialog().getByTestId('snapshots-no-disk').waitFor();
    await page.screenshot({ path: join(ARTIFACTS, '65-snapshots-no-disk.png') });
    await dialog().getByRole('button', { name: 'Close' }).click();

    await page.getByRole('button', { name: `Launch ${POOL}` }).click();
    await waitForFirstFrame(page, 170_000);
    await page.getByTestId('viewer-back-toolbar').click();
    // The running card holds three actions inside its frame.
    const card = page.getByTestId(`pool-card-${poolId}`);
    await card.getByRole('button', { name: `Resume ${POOL}` }).waitFor();
    const [box, resume] = [await card.boundingBox(), await card.getByRole('button', { name: `Resume ${POOL}` }).boundingBox()];
    expect(resume!.x + resume!.width).toBeLessThanOrEqual(box!.x + box!.width);
    await page.screenshot({ path: join(ARTIFACTS, '66-my-desktops-vm-running.png') });
    await openSnapshots();
    await dialog().getByText('Your desktop is running on it now.').waitFor();
    await dialog().getByLabel('New snapshot').fill('before the upgrade');
    await dialog().getByRole('button', { name: 'Take snapshot' }).click();
    await dialog().getByTestId('snapshots-done').filter({ hasText: 'Took “before the upgrade”.' }).waitFor({ timeout: 60_000 });
    expect(await dialog().getByTestId('snapshot-item').count()).toBe(1);
    expect(await dialog().getByRole('button', { name: 'Restore before the upgrade' }).isDisabled()).toBe(true);
    await dialog().getByLabel('New snapshot').fill('../nope');
    await dialog().getByRole('button', { name: 'Take snapshot' }).click();
    await expect
      .poll(() =>
        dialog()
          .getByText(/Use 1 to 64 letters/)
          .count(),
      )
      .toBe(1);
    await page.screenshot({ path: join(ARTIFACTS, '67-snapshots-running.png') });
    await dialog().getByRole('button', { name: 'Close' }).click();

    await page.getByRole('button', { name: `End ${POOL}` }).click();
    await page.getByTestId('confirm-ok').click();
    await page.getByRole('button', { name: `Launch ${POOL}` }).waitFor({ timeout: 60_000 });
    await openSnapshots();
    await dialog().getByText('No desktop runs on it now.').waitFor({ timeout: 30_000 });
    await dialog().getByRole('button', { name: 'Restore before the upgrade' }).click();
    await page.mouse.move(10, 790); // off the buttons, so the screenshot shows them at rest
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(ARTIFACTS, '68-snapshots-confirm-restore.png') });
    await dialog().getByTestId('snapshot-confirm-restore').click();
    await dialog()
      .getByTestId('snapshots-done')
      .filter({ hasText: 'Your disk is back at “before the upgrade”.' })
      .waitFor({ timeout: 60_000 });
    await dialog().getByRole('button', { name: 'Delete before the upgrade' }).click();
    await dialog().getByTestId('snapshot-confirm-delete').click();
    await dialog().getByTestId('snapshots-empty').waitFor({ timeout: 60_000 });
    await page.screenshot({ path: join(ARTIFACTS, '69-snapshots-deleted.png') });

    const audit = (await admin.get('/api/v1/admin/audit?limit=50')).body as { action: string; result: string; target: string }[];
    expect(audit.filter((e) => e.target === poolId && e.action.startsWith('disk.snapshot.')).map((e) => `${e.action} ${e.result}`)).toEqual(
      ['disk.snapshot.delete ok', 'disk.snapshot.restore ok', 'disk.snapshot.create ok'],
    );
  }, 400_000);
});
