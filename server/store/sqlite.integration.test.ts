// Real concurrency for the SQLite store: several processes (as several gateways would) race on one
// file for warm desktops and for one ticket. In one process better-sqlite3 serialises every call,
// so only separate processes can show that the single-statement claims hold under contention.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqliteStore } from './sqlite.ts';
import { aDesktop, aHost, aPool, aSession, aTicket, aUser, T0 } from './store.fixtures.ts';

const storeModule = fileURLToPath(new URL('./sqlite.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'deskport-race-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Child: open the file, say "ready", wait for "go", consume the ticket, claim desktops until none is left. */
const child = `
import { openSqliteStore } from ${JSON.stringify(storeModule)};
const [file, poolId, ticketHash, me] = process.argv.slice(1);
const store = openSqliteStore({ file });
process.stdout.write('ready\\n');
await new Promise((r) => process.stdin.once('data', r));
const ticket = await store.consumeTicket(ticketHash, ${T0});
const claimed = [];
for (let d; (d = await store.claimWarmDesktop(poolId, me, ${T0})); ) claimed.push(d.id);
await store.close();
console.log(JSON.stringify({ claimed, ticket: ticket !== null }));
`;

interface Racer {
  ready: Promise<void>;
  go(): void;
  result: Promise<{ claimed: string[]; ticket: boolean }>;
}

function racer(file: string, poolId: string, ticketHash: string, me: string): Racer {
  const p = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', child, file, poolId, ticketHash, me]);
  let out = '';
  let err = '';
  let markReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  p.stdout.on('data', (b: Buffer) => {
    out += b.toString();
    if (out.startsWith('ready\n')) markReady();
  });
  p.stderr.on('data', (b: Buffer) => (err += b.toString()));
  const result = new Promise<{ claimed: string[]; ticket: boolean }>((resolve, reject) => {
    p.on('error', reject);
    p.on('close', (code) => {
      markReady(); // never leave the test waiting on a child that died early
      if (code !== 0) reject(new Error(`racer ${me} exited ${code}: ${err}`));
      else resolve(JSON.parse(out.slice('ready\n'.length)) as { claimed: string[]; ticket: boolean });
    });
  });
  return { ready, go: () => p.stdin.end('go\n'), result };
}

describe('SQLite store shared by several processes', () => {
  it('hands each warm desktop and the one ticket to exactly one process', async () => {
    const file = join(dir, 'race.db');
    const store = openSqliteStore({ file });
    const user = await store.createUser(aUser());
    const pool = await store.createPool(aPool());
    const host = await store.createHost(aHost());
    const desktops = 1000;
    for (let i = 0; i < desktops; i++) await store.createDesktop(aDesktop(pool.id, host.id, { createdAt: T0 + i }));
    const session = await store.createSession(aSession(user.id, pool.id));
    const ticket = aTicket(user.id, session.id, { expiresAt: T0 + 1 });
    await store.createTicket(ticket);

    // Start together: every child has opened the file before any of them may claim.
    const procs = ['p0', 'p1', 'p2', 'p3'].map((me) => racer(file, pool.id, ticket.hash, me));
    await Promise.all(procs.map((p) => p.ready));
    for (const p of procs) p.go();
    const results = await Promise.all(procs.map((p) => p.result));

    const claimed = results.flatMap((r) => r.claimed);
    expect(claimed).toHaveLength(desktops);
    expect(new Set(claimed).size).toBe(desktops);
    expect(results.filter((r) => r.ticket)).toHaveLength(1);
    for (const [i, r] of results.entries()) {
      for (const id of r.claimed) expect((await store.getDesktop(id))?.ownerId).toBe(`p${i}`);
    }
    await store.close();
  });
});
