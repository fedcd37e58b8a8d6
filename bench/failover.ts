// Issue #15, failover time among several gateways. Three `bin/deskport gateway` processes on one
// private PostgreSQL 15, behind haproxy started from infra/haproxy.cfg, an agent (process driver,
// real Xvnc) enrolled through haproxy and then connected to every gateway, and one desktop. N times
// (--n, default 20): a display is opened through haproxy and draws; the gateway serving it is
// killed with SIGKILL; the time until a new display (a new ticket and a new /ws/vnc, both through
// haproxy, tried every 50 ms as soon as the old one closed) has drawn the desktop's windows again
// is recorded. The killed gateway is then started again on its port; the time until it holds the
// agent again (the agent's link to it re-attached) is recorded too.
// Usage: node --import tsx bench/failover.ts [--n 20]
// Writes bench/results/failover.json and its own section of bench/REPORT.md.
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Agent } from '../agents/agent.ts';
import { ADMIN_PASSWORD, launchDesktop, signIn, ticket, type Api } from '../test/helpers/gateway.ts';
import { startPostgres, type PostgresCluster } from '../test/helpers/postgres.ts';
import { RfbViewer } from '../test/helpers/rfb-viewer.ts';
import {
  connectedEverywhere,
  startAgentVia,
  startGatewayProcess,
  displaysOn,
  startHaproxy,
  stopAll,
  type GatewayProcess,
} from '../test/helpers/several-gateways.ts';
import { until } from '../test/helpers/until.ts';
import { freePort } from '../test/helpers/xvnc.ts';
import type { GroupProcess } from '../test/helpers/agent-process.ts';
import { spliceSection } from './lib/report-section.ts';
import { args, initRun, writeResult } from './lib/results.ts';
import { fmt, summarize, type Summary } from './lib/stats.ts';

const a = args();
const N = Number(a.get('n') ?? 20);
if (!Number.isInteger(N) || N < 1 || N > 200) throw new Error('--n must be a whole number from 1 to 200');

interface FailoverBench {
  drawAgainMs: Summary;
  closedMs: Summary;
  reattachMs: Summary;
  listenMs: Summary;
  values: { drawAgainMs: number[]; closedMs: number[]; reattachMs: number[]; listenMs: number[] };
}

initRun('failover');
const started = new Date();
let pgc: PostgresCluster | undefined;
const gateways: GatewayProcess[] = [];
let lb: (GroupProcess & { url: string }) | undefined;
let agent: Agent | undefined;
const agentDir = mkdtempSync(join(tmpdir(), 'deskport-bench-agent-'));
const viewers: RfbViewer[] = [];

async function cleanUp(): Promise<void> {
  for (const v of viewers) v.close();
  await stopAll({ lbUrl: lb?.url, agent, lb, gateways, agentDir });
  await pgc?.stop();
}
for (const sig of ['SIGINT', 'SIGTERM'] as const)
  process.once(sig, () => {
    void cleanUp().finally(() => process.exit(130));
  });

async function drawing(api: Api, sessionId: string): Promise<RfbViewer> {
  const v = await RfbViewer.open(lb!.url, await ticket(api, sessionId));
  viewers.push(v);
  try {
    await v.handshake();
    await v.waitForWindows();
  } catch (err) {
    v.close();
    throw err;
  }
  return v;
}

try {
  pgc = await startPostgres();
  const store = await pgc.createDatabase('failover_bench');
  const vaultKey = randomBytes(32).toString('base64');
  for (let i = 0; i < 3; i++) gateways.push(await startGatewayProcess(store, vaultKey, await freePort()));
  lb = await startHaproxy(gateways.map((g) => new URL(g.url).host));
  const admin = await signIn(lb.url, 'admin', ADMIN_PASSWORD);
  const started_ = await startAgentVia(lb.url, admin, agentDir);
  agent = started_.agent;
  const hostId = started_.hostId;
  await connectedEverywhere(await Promise.all(gateways.map((g) => signIn(g.url, 'admin', ADMIN_PASSWORD))), hostId);
  const s = await launchDesktop(admin, lb.url);

  const drawAgainMs: number[] = [];
  const closedMs: number[] = [];
  const reattachMs: number[] = [];
  const listenMs: number[] = [];
  let v = await drawing(admin, s.id);
  for (let round = 0; round < N; round++) {
    const counts = await Promise.all(gateways.map(displaysOn));
    const i = counts.findIndex((c) => c > 0);
    if (i < 0) throw new Error(`no gateway counts the open display (${counts.join(', ')})`);
    const victim = gateways[i]!;
    const killedAt = performance.now();
    await victim.stop();
    await until('the display of the killed gateway closed', () => v.closeInfo, 10_000, 5);
    closedMs.push(performance.now() - killedAt);
    v.close();
    v = await until('a display through another gateway', () => drawing(admin, s.id).catch(() => null), 30_000, 50);
    drawAgainMs.push(performance.now() - killedAt);
    const restartAt = performance.now();
    gateways[i] = await startGatewayProcess(store, vaultKey, Number(new URL(victim.url).port));
    listenMs.push(performance.now() - restartAt);
    await connectedEverywhere([await signIn(gateways[i].url, 'admin', ADMIN_PASSWORD)], hostId);
    reattachMs.push(performance.now() - restartAt);
    // haproxy's health check (inter 1 s, rise 2) takes the restarted gateway back before the next kill.
    await new Promise((r) => setTimeout(r, 2_500));
    console.info(
      `round ${round + 1}/${N}: drawing again after ${drawAgainMs.at(-1)!.toFixed(0)} ms; agent back on the restarted gateway after ${reattachMs.at(-1)!.toFixed(0)} ms`,
    );
  }
  const after = ((await admin.get(`/api/v1/sessions/${s.id}`)).body as { session: { state: string } }).session.state;
  if (after !== 'ready') throw new Error(`the session is ${after} after the kills`);

  const data: FailoverBench = {
    drawAgainMs: summarize(drawAgainMs),
    closedMs: summarize(closedMs),
    reattachMs: summarize(reattachMs),
    listenMs: summarize(listenMs),
    values: { drawAgainMs, closedMs, reattachMs, listenMs },
  };
  const notes = [
    `${N} kills. Three \`bin/deskport gateway\` processes on one private PostgreSQL 15, haproxy from infra/haproxy.cfg (health checks every 1 s), an agent with the process driver enrolled through haproxy, one Xvnc desktop.`,
    'Each round: SIGKILL of the gateway serving the display; as soon as the display closed, a new ticket and a new /ws/vnc through haproxy, tried every 50 ms, until the desktop\'s windows are drawn. The viewer page waits 0.25–0.5 s (its first backoff) before its first try: add that for what a person sees. Then the killed gateway is started again on its port; "re-attach" is start → the agent connected to it again.',
  ];
  writeResult('failover', started, { n: N }, notes, data);
  spliceSection('failover', section(data, notes, started));
  console.info(`failover: kill → drawing again p50 ${fmt(data.drawAgainMs.p50, 3)} ms, p90 ${fmt(data.drawAgainMs.p90, 3)} ms (n=${N})`);
} finally {
  await cleanUp();
}

function section(d: FailoverBench, notes: string[], at: Date): string {
  const row = (name: string, x: Summary) => `| ${name} | ${fmt(x.p50, 3)} | ${fmt(x.p90, 3)} | ${fmt(x.min, 3)} | ${fmt(x.max, 3)} |`;
  return [
    '## Several gateways: failover (bench/failover.ts, issue #15)',
    '',
    `Run ${at.toISOString()}. ${notes.join(' ')}`,
    '',
    '| ms | p50 | p90 | min | max |',
    '| --- | --- | --- | --- | --- |',
    row('kill → the display closed', d.closedMs),
    row('kill → drawing again through another gateway', d.drawAgainMs),
    row('gateway process started → listening', d.listenMs),
    row('gateway process started → the agent connected to it again', d.reattachMs),
    '',
    `Every kill → drawing again, ms: ${d.values.drawAgainMs.map((x) => x.toFixed(0)).join(', ')}.`,
    '',
    'Cost per display byte of the cross-gateway path: none. Agents keep a control connection to every gateway (docs/agent-protocol.md, "Several gateways"), so the gateway a viewer reaches asks the agent for a dial-back itself and relays the desktop like a lone gateway does; no display byte crosses from one gateway to another. What goes between gateways is control: events, closes, and each gateway\'s display counts and agent connections every 5 s over PostgreSQL NOTIFY.',
  ].join('\n');
}
