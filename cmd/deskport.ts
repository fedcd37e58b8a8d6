// bin/deskport: `up` (gateway + in-process agent + SQLite), `gateway`, `agent`. Every command
// answers --help, exits non-zero with a one-line reason on bad arguments, and stops cleanly on
// SIGTERM/SIGINT (desktops keep running; a restarted gateway re-adopts them).
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { startAgent } from '../agents/agent.ts';
import { startEmbeddedAgent } from '../agents/embedded.ts';
import { createProcessDriver } from '../agents/process/driver.ts';
import { targetPolicy, type TargetPolicy } from '../agents/targets.ts';
import { agentEnv, ConfigError, loadConfig, vaultRotationEnv } from '../server/config.ts';
import { openStore, sqliteFile, storeLabel } from '../server/store/open.ts';
import { rotateVault, VaultError } from '../server/vault.ts';
import type { EmbeddedAgentStart } from '../server/embedded-agent.ts';
import { startGateway } from '../server/gateway.ts';
import { createLogger } from '../server/log.ts';

const HELP: Record<string, string> = {
  main: `deskport — browser VDI gateway

Usage: bin/deskport <command> [options]

Commands:
  up        gateway + in-process agent (process desktops) + SQLite: the all-in-one
  gateway   the gateway alone; remote agents connect to it
  agent     an agent for one host; dials out to a gateway
  image     build the desktop container image or a VM image (image build)
  vault     re-encrypt stored machine secrets with a new key (vault rotate)

Run bin/deskport <command> --help for its options. Configuration: README.md.`,
  up: `Usage: bin/deskport up [--listen HOST:PORT] [--data DIR] [--store sqlite|URL] [--guacd HOST:PORT | --no-guacd] [--targets CIDR,...]

Runs the gateway with an in-process agent (process driver) and SQLite in DIR.
  --listen HOST:PORT   where to listen (default 127.0.0.1:8080; env DESKPORT_LISTEN)
  --data DIR           data directory (default ./data; env DESKPORT_DATA)
  --store sqlite|URL   the database: sqlite (DIR/deskport.db, the default) or a
                       postgres://user:password@host:port/database URL (env DESKPORT_STORE;
                       prefer the environment: a flag shows in the process list)
  --guacd HOST:PORT    use the guacd there for RDP/SSH instead of supervising the
                       installed one (env DESKPORT_GUACD)
  --no-guacd           run without guacd: RDP/SSH pools show "RDP needs guacd"
By default the gateway starts and supervises guacd when it finds one
(DESKPORT_GUACD_BIN, ~/.cache/deskport/guacd from infra/guacd.sh, or PATH).
VNC desktops never need guacd.
  --targets CIDR,...   networks of existing machines the built-in agent may dial
                       (default: 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, 127.0.0.0/8,
                       ::1/128, fc00::/7)
Machine secrets are encrypted with DESKPORT_VAULT_KEY (base64, 32 bytes) or with
DIR/vault.key, created 0600 at first start: back it up with the database.
On first start with an empty DIR it creates the user "admin" (password from
DESKPORT_ADMIN_PASSWORD, else a random one printed once) and the pool
"Linux desktop (local)".`,
  gateway: `Usage: bin/deskport gateway [--listen HOST:PORT] [--data DIR] [--store sqlite|URL] [--advertise-url URL] [--guacd HOST:PORT | --no-guacd]

Runs the gateway alone (same bootstrap as "up"); agents enroll with a token from
POST /api/v1/admin/hosts/enrollments.
  --listen HOST:PORT   where to listen (default 127.0.0.1:8080)
  --data DIR           data directory (default ./data)
  --store sqlite|URL   the database: sqlite (DIR/deskport.db, the default) or a
                       postgres://user:password@host:port/database URL (env DESKPORT_STORE;
                       prefer the environment: a flag shows in the process list).
                       Several gateways may share one PostgreSQL database (docs/store.md).
  --advertise-url URL  where agents reach this gateway directly, not through the load
                       balancer (env DESKPORT_ADVERTISE_URL); with it, on PostgreSQL,
                       agents keep a connection to every gateway that advertises one
  --guacd HOST:PORT    use the guacd there for RDP/SSH instead of supervising the
                       installed one (env DESKPORT_GUACD)
  --no-guacd           run without guacd: RDP/SSH pools show "RDP needs guacd"
By default the gateway starts and supervises guacd when it finds one
(DESKPORT_GUACD_BIN, ~/.cache/deskport/guacd from infra/guacd.sh, or PATH).
VNC desktops never need guacd.`,
  agent: `Usage: bin/deskport agent --gateway URL [--enroll TOKEN] [--name NAME] [--driver process|docker|qemu] [--state DIR] [--max-desktops N]

Runs an agent that dials out to the gateway at URL (no inbound port needed). With several
gateways on one database, URL may be their load balancer: the agent then keeps a connection to
each gateway at the address it advertises.
  --gateway URL      the gateway, e.g. http://gw.example:8080 (env DESKPORT_GATEWAY)
  --enroll TOKEN     one-time enrollment token (first start only; env DESKPORT_ENROLL_TOKEN);
                     afterwards the host credential kept in --state is used
  --name NAME        host name shown to admins (default: this machine's hostname)
  --driver NAME      desktop driver: process (local sandboxed desktops), docker
                     (containers from the pool's image) or qemu (a VM per desktop,
                     docs/qemu.md)
  --state DIR        host credential and desktop state (default ./agent-state)
  --max-desktops N   desktops this host may run at once (default 8)
  --targets CIDR,... networks of existing machines this agent may dial for the gateway
                     (default: the private and loopback ranges 10.0.0.0/8, 172.16.0.0/12,
                     192.168.0.0/16, 127.0.0.0/8, ::1/128, fc00::/7); anything else is
                     refused with target_not_allowed, checked after name resolution
Network errors and gateway errors (5xx) are retried with backoff. A refusal that
retrying cannot fix (enrollment token used, expired or unknown; host deleted)
ends the agent with exit code 2 and one line saying what to do.`,
  image: `Usage: bin/deskport image build [--kind desktop|vm-test|vm] [--force]
       bin/deskport image list [--state DIR]
       bin/deskport image prune [--state DIR] [--dry-run]

build: builds an image from Debian packages (no registry needed), cached by a
hash of its recipe: a second run with no change takes seconds. --force rebuilds.
list: the VM image builds in ~/.cache/deskport/vm-images, which one is current,
their size, and the VM disks in the agent's --state (default ./agent-state)
and the processes that still use each.
prune: removes outdated VM image builds that no VM disk in --state sits on and
no process has open (a kept personal disk keeps its build); --dry-run only says
which. Give the --state of the host's qemu agent.
  --kind desktop   the desktop container image deskport-desktop:latest
                   (infra/images/desktop/; the default)
  --kind vm-test   the VM test image for the qemu driver: Debian's kernel and a
                   busybox initramfs (infra/images/vm-test/), in
                   ~/.cache/deskport/vm-images
  --kind vm        the Debian desktop VM image: a minimal Debian bookworm with X,
                   openbox and a terminal (infra/images/vm/; debootstrap, about
                   5 minutes and 1.1 GB the first time; runs as root)`,
  vault: `Usage: bin/deskport vault rotate [--data DIR] [--store sqlite|URL]

Re-encrypts every stored machine secret (shared passwords and keys, people's
saved logins) with a new key, in one transaction. Stop the gateway first.
With the key file DIR/vault.key: writes the new key to vault.key.next, rewrites
the secrets, then keeps the old key as vault.key.previous and makes the new one
vault.key. An interrupted rotation leaves every secret readable; run it again.
With DESKPORT_VAULT_KEY: give the new key in DESKPORT_VAULT_NEW_KEY, then start
the gateway with DESKPORT_VAULT_KEY set to the new key.
  --data DIR          data directory (default ./data; env DESKPORT_DATA)
  --store sqlite|URL  the database (default sqlite: DIR/deskport.db; env DESKPORT_STORE)`,
};

function fail(msg: string): never {
  process.stderr.write(`deskport: ${msg}\n`);
  process.exit(2);
}

/** Polls /readyz until it answers 200 (true) or the time is up (false). */
async function untilReady(url: string, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if ((await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2000) }).catch(() => null))?.ok) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

function onSignals(stop: () => Promise<void>, log: ReturnType<typeof createLogger>): void {
  let stopping = false;
  const handler = (sig: string) => {
    if (stopping) process.exit(1);
    stopping = true;
    log.info({ signal: sig }, 'stopping');
    stop().then(
      () => process.exit(0),
      (err) => {
        log.error({ err }, 'unclean stop');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => handler('SIGTERM'));
  process.on('SIGINT', () => handler('SIGINT'));
}

async function main(argv: string[]): Promise<void> {
  const [cmd, ...rest] = argv;
  if (!cmd || cmd === '--help' || cmd === '-h' || cmd === 'help') return void process.stdout.write(`${HELP.main}\n`);
  if (!(cmd in HELP) || cmd === 'main') fail(`unknown command "${cmd}"; try bin/deskport --help`);
  const help = { type: 'boolean', short: 'h' } as const;
  const spec: ParseArgsConfig['options'] =
    cmd === 'agent'
      ? {
          gateway: { type: 'string' },
          enroll: { type: 'string' },
          name: { type: 'string' },
          driver: { type: 'string' },
          state: { type: 'string' },
          'max-desktops': { type: 'string' },
          targets: { type: 'string' },
          help,
        }
      : cmd === 'image'
        ? { force: { type: 'boolean' }, kind: { type: 'string' }, state: { type: 'string' }, 'dry-run': { type: 'boolean' }, help }
        : cmd === 'vault'
          ? { data: { type: 'string' }, store: { type: 'string' }, help }
          : {
              listen: { type: 'string' },
              data: { type: 'string' },
              store: { type: 'string' },
              guacd: { type: 'string' },
              'no-guacd': { type: 'boolean' },
              ...(cmd === 'up' ? { targets: { type: 'string' } } : { 'advertise-url': { type: 'string' } }),
              help,
            };
  let values: Record<string, string | boolean | undefined>;
  let positionals: string[];
  try {
    const parsed = parseArgs({ args: rest, options: spec, strict: true, allowPositionals: cmd === 'image' || cmd === 'vault' });
    values = parsed.values as Record<string, string | boolean | undefined>;
    positionals = parsed.positionals;
  } catch (err) {
    fail(`${(err as Error).message.split('\n')[0]}; try bin/deskport ${cmd} --help`);
  }
  if (values.help) return void process.stdout.write(`${HELP[cmd]}\n`);

  if (cmd === 'agent') return runAgent(values);
  if (cmd === 'image') {
    const action = positionals.join(' ');
    if (action === 'list' || action === 'prune')
      return runImageCache(action, (values.state as string | undefined) ?? 'agent-state', Boolean(values['dry-run']));
    if (action !== 'build') fail('the image command takes one action: build, list or prune; try bin/deskport image --help');
    return runImageBuild(Boolean(values.force), (values.kind as string | undefined) ?? 'desktop');
  }
  if (cmd === 'vault') {
    if (positionals.join(' ') !== 'rotate') fail('the vault command takes one action: rotate; try bin/deskport vault --help');
    return runVaultRotate(values.data as string | undefined, values.store as string | undefined);
  }
  const targets = targetsOf(values.targets);
  let config;
  try {
    config = loadConfig({
      listen: values.listen,
      dataDir: values.data,
      store: values.store,
      advertiseUrl: values['advertise-url'],
      guacd: values.guacd,
      noGuacd: values['no-guacd'],
    });
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message);
    throw err;
  }
  const log = createLogger({ level: config.logLevel });
  const embeddedAgent =
    cmd === 'up'
      ? { embeddedAgent: (o: EmbeddedAgentStart) => startEmbeddedAgent({ ...o, sessionNetwork: config.desktopNetwork, targets }) }
      : {};
  // A bug that leaves a promise unhandled must not take every open desktop down with the process.
  process.on('unhandledRejection', (err) => log.error({ err }, 'unhandled rejection (a bug; the gateway keeps serving)'));
  const gw = await startGateway({ config, log, ...embeddedAgent }).catch((err: NodeJS.ErrnoException) => {
    fail(err.code === 'EADDRINUSE' ? `${config.listen} is already in use; pick another with --listen` : `could not start: ${err.message}`);
  });
  // One stop, however often a signal asks.
  let stopping: Promise<void> | undefined;
  onSignals(() => (stopping ??= gw.stop()), log);
  if (gw.generatedAdminPassword) {
    process.stdout.write(
      `\n  Created user "admin" with password: ${gw.generatedAdminPassword}\n  (shown once; change it after signing in)\n\n`,
    );
  }
  // With the built-in agent, "running" once it has connected: a click before that would find no host.
  if (cmd === 'up' && !(await untilReady(gw.url, 15_000))) log.warn('the built-in agent has not connected yet; /readyz says when it has');
  process.stdout.write(`Deskport is running at ${gw.url}/\n`);
}

async function runAgent(values: Record<string, string | boolean | undefined>): Promise<void> {
  const env = agentEnv();
  const gateway = (values.gateway as string | undefined) ?? env.gateway;
  if (!gateway || !/^https?:\/\/[^/]+\/?$/.test(gateway)) fail('--gateway must be the gateway URL, e.g. http://127.0.0.1:8080');
  const driver = (values.driver as string | undefined) ?? 'process';
  if (driver !== 'process' && driver !== 'docker' && driver !== 'qemu')
    fail(`driver "${driver}" is not available; use --driver process, docker or qemu`);
  const max = Number((values['max-desktops'] as string | undefined) ?? 8);
  if (!Number.isInteger(max) || max < 1 || max > 10_000) fail('--max-desktops must be a whole number from 1 to 10000');
  const state = resolve((values.state as string | undefined) ?? './agent-state');
  const log = createLogger({ level: env.logLevel });
  const enroll = (values.enroll as string | undefined) ?? env.enroll;
  const agent = startAgent({
    gatewayUrl: gateway,
    stateDir: state,
    name: (values.name as string | undefined) ?? hostname(),
    log,
    drivers: [
      driver === 'docker'
        ? await dockerDriver(state, log)
        : driver === 'qemu'
          ? await qemuDriver(state, log)
          : createProcessDriver({ dataDir: state, log }),
    ],
    capacity: { desktops: max },
    targets: targetsOf(values.targets),
    ...(enroll ? { enrollToken: enroll } : {}),
  });
  void agent.ready.then(({ hostId }) => process.stdout.write(`Agent connected to ${gateway} as host ${hostId}\n`));
  // Refused for good (token or credential refused, host removed): retrying cannot help, so say
  // what to do and exit 2, which a service manager can be told not to restart on.
  void agent.refused.then(async (r) => {
    await agent.stop().catch(() => undefined);
    process.stderr.write(`deskport: ${r.message}\n`);
    process.exit(2);
  });
  onSignals(() => agent.stop(), log);
}

/** --targets "10.1.0.0/16,192.168.5.7": the networks an agent may dial for existing machines. */
function targetsOf(flag: string | boolean | undefined): TargetPolicy {
  if (typeof flag !== 'string') return targetPolicy();
  const list = flag
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
  if (list.length === 0) fail('--targets needs at least one network, e.g. --targets 10.0.0.0/8,192.168.1.20');
  try {
    return targetPolicy(list);
  } catch (err) {
    fail(`--targets: ${(err as Error).message}`);
  }
}

async function runVaultRotate(data: string | undefined, storeFlag: string | undefined): Promise<void> {
  let config;
  try {
    config = loadConfig({ dataDir: data, store: storeFlag });
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message);
    throw err;
  }
  if (config.store === 'sqlite' && !existsSync(sqliteFile(config.dataDir)))
    fail(`no Deskport database in ${config.dataDir}; pass --data DIR`);
  const store = await openStore({ store: config.store, dataDir: config.dataDir }).catch((err: Error) =>
    fail(`cannot open the database (${storeLabel(config.store, config.dataDir)}): ${err.message}`),
  );
  try {
    const r = await rotateVault(
      { dataDir: config.dataDir, ...(config.vaultKey ? { envKey: config.vaultKey } : {}), newEnvKey: vaultRotationEnv().newKey },
      { rewrite: (reseal) => store.rewriteSecrets(reseal) },
    );
    process.stdout.write(`Re-encrypted ${r.rewritten} secret(s): key ${r.from} → ${r.to}\n`);
  } catch (err) {
    if (err instanceof VaultError) fail(err.message);
    throw err;
  } finally {
    await store.close();
  }
}

/** Loaded on demand so process-only hosts never need the Docker client. */
async function dockerDriver(state: string, log: ReturnType<typeof createLogger>) {
  const { createDockerDriver } = await import('../agents/docker/driver.ts');
  return createDockerDriver({ stateDir: state, log });
}

/** Loaded on demand like docker's. */
async function qemuDriver(state: string, log: ReturnType<typeof createLogger>) {
  const { createQemuDriver } = await import('../agents/qemu/driver.ts');
  try {
    return createQemuDriver({ stateDir: state, log });
  } catch (err) {
    fail((err as Error).message);
  }
}

async function runImageCache(action: 'list' | 'prune', state: string, dryRun: boolean): Promise<void> {
  const { listVmImages, pruneVmImages } = await import('../agents/qemu/image-cache.ts');
  const stateDirs = [resolve(state)];
  const mib = (n: number) => `${(n / 2 ** 20).toFixed(0)} MiB`;
  const line = (i: Awaited<ReturnType<typeof listVmImages>>[number]) =>
    `${i.kind.padEnd(8)} ${i.hash}  ${(i.current ? 'current' : 'outdated').padEnd(8)}  ${mib(i.bytes).padStart(9)}  ` +
    `${i.overlays.length} disk(s)${i.openBy.length ? `, open in pid ${i.openBy.join(', ')}` : ''}  ${i.dir}\n`;
  if (action === 'list') {
    const all = await listVmImages({ stateDirs });
    if (all.length === 0) return void process.stdout.write('No VM image builds in the cache.\n');
    for (const i of all) process.stdout.write(line(i));
    return;
  }
  const r = await pruneVmImages({ stateDirs, dryRun });
  for (const i of r.removed) process.stdout.write(`${dryRun ? 'would remove' : 'removed'} ${line(i)}`);
  const freed = r.removed.reduce((a, i) => a + i.bytes, 0);
  process.stdout.write(`${r.removed.length} outdated build(s), ${mib(freed)} ${dryRun ? 'to free' : 'freed'}; ${r.kept.length} kept.\n`);
}

async function runImageBuild(force: boolean, kind: string): Promise<void> {
  const log = createLogger({ level: agentEnv().logLevel });
  if (kind === 'vm' || kind === 'vm-test') {
    const { buildVmImage } = await import('../agents/qemu/images.ts');
    const r = await buildVmImage({ kind, log, force });
    return void process.stdout.write(`VM image ${kind} ${r.cached ? 'is up to date' : 'built'} in ${r.dir} (${r.seconds.toFixed(1)} s)\n`);
  }
  if (kind !== 'desktop') fail(`unknown image kind "${kind}"; use --kind desktop, vm-test or vm`);
  const { buildDesktopImage } = await import('../infra/images/build.ts');
  const r = await buildDesktopImage({ log, force });
  process.stdout.write(`${r.image} ${r.cached ? 'is up to date' : 'built'} (recipe ${r.hash.slice(0, 12)}, ${r.seconds.toFixed(1)} s)\n`);
}

main(process.argv.slice(2)).catch((err) => {
  process.stderr.write(`deskport: ${(err as Error).message}\n`);
  process.exit(1);
});
