// Gateway configuration: the only module that reads process.env. Values come from defaults, then an
// optional JSON file (DESKPORT_CONFIG), then DESKPORT_* variables, then command-line flags; the
// result is validated once with zod and passed inward as a typed, frozen object.
import { GatewayUrl } from '../contract/agent-v1.ts';
import { readFileSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { z } from 'zod';

const listen = z
  .string()
  .regex(/^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, 'must be HOST:PORT, e.g. 127.0.0.1:8080')
  .refine((s) => Number(s.slice(s.lastIndexOf(':') + 1)) <= 65535, 'port must be at most 65535');

export const configSchema = z
  .object({
    listen: listen.default('127.0.0.1:8080'),
    dataDir: z.string().min(1).default('./data'),
    /** `sqlite` (<dataDir>/deskport.db, one gateway) or a postgres:// URL that several gateways share (docs/store.md). */
    store: z
      .string()
      .max(4096)
      .refine(
        (v) => v === 'sqlite' || /^postgres(ql)?:\/\/\S+$/.test(v),
        'must be sqlite or a postgres:// URL, e.g. postgres://deskport@db.example/deskport',
      )
      .default('sqlite'),
    publicUrl: z.url({ protocol: /^https?$/ }).optional(),
    /**
     * Where agents reach THIS gateway directly (not through the load balancer), with several gateways
     * on one PostgreSQL: agents keep a connection to every gateway's advertised URL (docs/store.md).
     */
    advertiseUrl: GatewayUrl.optional(),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    adminPassword: z.string().min(8, 'must be at least 8 characters').max(256).optional(),
    sessionTtlS: z.coerce
      .number()
      .int()
      .min(60)
      .max(30 * 86400)
      .default(12 * 3600),
    /** Minimum length of local account passwords (docs/account-security.md). */
    passwordMinLength: z.coerce.number().int().min(8).max(256).default(12),
    ticketTtlS: z.coerce.number().int().min(1).max(30).default(30),
    trustProxy: z.coerce.boolean().default(false),
    maxBodyBytes: z.coerce
      .number()
      .int()
      .min(1024)
      .max(10 * 1024 * 1024)
      .default(64 * 1024),
    maxClipboardBytes: z.coerce
      .number()
      .int()
      .min(1024)
      .max(64 * 1024 * 1024)
      .default(10 * 1024 * 1024),
    /** Desktops the embedded agent may run at once. */
    localCapacity: z.coerce.number().int().min(1).max(1000).default(8),
    metricsPublic: z.coerce.boolean().default(false),
    /** Seconds without a heartbeat after which an agent's host is `unreachable` and its sessions `lost`. */
    agentTimeoutS: z.coerce.number().int().min(1).max(3600).default(15),
    /** How often the dashboard's metrics history takes a point (it keeps 120 points). */
    metricsIntervalS: z.coerce.number().int().min(1).max(300).default(30),
    /** Network for programs inside local desktops: `none` (default: not even the host's loopback,
     *  where the gateway and other desktops listen) or `host`. */
    desktopNetwork: z.enum(['none', 'host']).default('none'),
    /** Display bytes of the embedded agent's desktops: `direct` (the driver's socket, no WebSocket
     *  hop) or `agent` (through the dial-back stream, exactly as a remote agent). */
    embeddedStreams: z.enum(['direct', 'agent']).default('direct'),
    /** Open displays at most (0 = no limit); a display beyond it is refused with 503. */
    maxViewers: z.coerce.number().int().min(0).max(1_000_000).default(0),
    /** New displays are refused with 503 while the event loop's p99 delay is above this (0 = off). */
    maxLoopDelayMs: z.coerce.number().int().min(0).max(60_000).default(1000),
    /** /ws/rdp: a viewer that sends nothing for this long (guacamole-common-js pings every 0.5 s) is closed
     *  and its guacd connection freed. 15 s is guacd's own limit for a silent client. */
    viewerTimeoutS: z.coerce.number().int().min(2).max(3600).default(15),
    /** guacd for RDP/SSH: `auto` (supervise the installed one, if any), `off` (--no-guacd), or an
     *  external HOST:PORT (--guacd). */
    guacd: z
      .string()
      .refine((v) => v === 'auto' || v === 'off' || listen.safeParse(v).success, 'must be auto, off or HOST:PORT, e.g. 127.0.0.1:4822')
      .default('auto'),
    /** A guacd binary to supervise instead of searching (DESKPORT_GUACD_BIN). */
    guacdBin: z.string().min(1).max(4096).optional(),
    /** Where infra/guacd.sh installs guacd (DESKPORT_GUACD_ROOT; default ~/.cache/deskport/guacd). */
    guacdRoot: z.string().min(1).max(4096).optional(),
    /** Where session recordings go (README "Recording"); default <dataDir>/recordings. */
    recordingsDir: z.string().min(1).max(4096).optional(),
    /** The most disk the recordings may use together, in MiB; none = only the disk's free space limits them. */
    recordingsQuotaMb: z.coerce.number().int().min(1).max(1_000_000_000).optional(),
    /** Recording stops (and `recordingRequired` pools refuse sessions) when the disk has less free than this. */
    recordingsMinFreeMb: z.coerce.number().int().min(0).max(1_000_000_000).default(1024),
    /** A fresh recording connection (a seek point) this often. */
    recordingKeyframeS: z.coerce.number().int().min(1).max(3600).default(10),
    /**
     * UNFINISHED (README "Recording and playback"): '1' turns on recording policy `shadow` for RDP/SSH
     * sessions through the gateway's own guacd join; off by default until it is reliable with browsers.
     */
    /** A recording's part files rotate at this size and this age. */
    recordingPartMb: z.coerce.number().int().min(1).max(4096).default(64),
    recordingPartMinutes: z.coerce
      .number()
      .int()
      .min(1)
      .max(24 * 60)
      .default(30),
    /** The vault key for machine secrets (base64 of 32 bytes); else <dataDir>/vault.key (server/vault.ts). */
    vaultKey: z.string().max(200).optional(),
  })
  .strict();

export type Config = Readonly<Omit<z.infer<typeof configSchema>, 'recordingsDir'>> & {
  /** Always set after loadConfig (default <dataDir>/recordings). */
  readonly recordingsDir: string;
  readonly cookieSecure: boolean;
  /** Where to look for guacd when `guacd` is auto (server/guacd/locate.ts). */
  readonly guacdSearch: { bin?: string | undefined; root?: string | undefined; path: readonly string[] };
};

/** Environment switches: only `1` and `true` turn one on (z.coerce.boolean would take "false" for true). */
const BOOLEAN_KEYS = new Set<string>(['trustProxy', 'metricsPublic']);

const ENV: Record<string, keyof z.infer<typeof configSchema>> = {
  DESKPORT_LISTEN: 'listen',
  DESKPORT_DATA: 'dataDir',
  DESKPORT_STORE: 'store',
  DESKPORT_PUBLIC_URL: 'publicUrl',
  DESKPORT_ADVERTISE_URL: 'advertiseUrl',
  DESKPORT_LOG_LEVEL: 'logLevel',
  DESKPORT_ADMIN_PASSWORD: 'adminPassword',
  DESKPORT_SESSION_TTL_S: 'sessionTtlS',
  DESKPORT_PASSWORD_MIN_LENGTH: 'passwordMinLength',
  DESKPORT_TICKET_TTL_S: 'ticketTtlS',
  DESKPORT_TRUST_PROXY: 'trustProxy',
  DESKPORT_MAX_BODY_BYTES: 'maxBodyBytes',
  DESKPORT_MAX_CLIPBOARD_BYTES: 'maxClipboardBytes',
  DESKPORT_LOCAL_CAPACITY: 'localCapacity',
  DESKPORT_METRICS_PUBLIC: 'metricsPublic',
  DESKPORT_DESKTOP_NETWORK: 'desktopNetwork',
  DESKPORT_AGENT_TIMEOUT_S: 'agentTimeoutS',
  DESKPORT_METRICS_INTERVAL_S: 'metricsIntervalS',
  DESKPORT_EMBEDDED_STREAMS: 'embeddedStreams',
  DESKPORT_MAX_VIEWERS: 'maxViewers',
  DESKPORT_MAX_LOOP_DELAY_MS: 'maxLoopDelayMs',
  DESKPORT_VIEWER_TIMEOUT_S: 'viewerTimeoutS',
  DESKPORT_GUACD: 'guacd',
  DESKPORT_GUACD_BIN: 'guacdBin',
  DESKPORT_GUACD_ROOT: 'guacdRoot',
  DESKPORT_VAULT_KEY: 'vaultKey',
  DESKPORT_RECORDINGS_DIR: 'recordingsDir',
  DESKPORT_RECORDINGS_QUOTA_MB: 'recordingsQuotaMb',
  DESKPORT_RECORDINGS_MIN_FREE_MB: 'recordingsMinFreeMb',
  DESKPORT_RECORDING_KEYFRAME_S: 'recordingKeyframeS',
  DESKPORT_RECORDING_PART_MB: 'recordingPartMb',
  DESKPORT_RECORDING_PART_MINUTES: 'recordingPartMinutes',
};

export class ConfigError extends Error {}

/**
 * Builds the config from file + environment + flags (flags win). Throws ConfigError with one readable
 * line. The flag `noGuacd: true` (--no-guacd) means `guacd: 'off'` and cannot go with `guacd`.
 */
export function loadConfig(flagsIn: Record<string, unknown> = {}, env: NodeJS.ProcessEnv = process.env): Config {
  const { noGuacd, ...flags } = flagsIn;
  if (noGuacd === true) {
    if (flags.guacd !== undefined) throw new ConfigError('--guacd and --no-guacd contradict each other; give one of them');
    flags.guacd = 'off';
  }
  let fromFile: Record<string, unknown> = {};
  const file = env.DESKPORT_CONFIG;
  if (file) {
    try {
      fromFile = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    } catch (err) {
      throw new ConfigError(`cannot read config file ${file}: ${(err as Error).message}`);
    }
  }
  const fromEnv: Record<string, unknown> = {};
  for (const [name, key] of Object.entries(ENV)) {
    const v = env[name];
    if (v !== undefined && v !== '') fromEnv[key] = BOOLEAN_KEYS.has(key) ? v === '1' || v === 'true' : v;
  }
  const defined = Object.fromEntries(Object.entries(flags).filter(([, v]) => v !== undefined));
  const parsed = configSchema.safeParse({ ...fromFile, ...fromEnv, ...defined });
  if (!parsed.success) {
    const i = parsed.error.issues[0]!;
    const envName = Object.entries(ENV).find(([, k]) => k === i.path[0])?.[0];
    throw new ConfigError(`invalid configuration: ${i.path.join('.') || '(root)'}${envName ? ` (${envName})` : ''}: ${i.message}`);
  }
  const c = parsed.data;
  const guacdRoot = c.guacdRoot ?? (env.HOME ? join(env.HOME, '.cache', 'deskport', 'guacd') : undefined);
  return Object.freeze({
    ...c,
    dataDir: resolve(c.dataDir),
    recordingsDir: resolve(c.recordingsDir ?? join(c.dataDir, 'recordings')),
    cookieSecure: c.publicUrl?.startsWith('https:') ?? false,
    guacdSearch: Object.freeze({
      bin: c.guacdBin,
      root: guacdRoot,
      path: Object.freeze((env.PATH ?? '').split(delimiter).filter(Boolean)),
    }),
  });
}

export function splitListen(l: string): { host: string; port: number } {
  const i = l.lastIndexOf(':');
  return { host: l.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(l.slice(i + 1)) };
}

/** `vault rotate` with DESKPORT_VAULT_KEY: the new key comes from DESKPORT_VAULT_NEW_KEY. */
export function vaultRotationEnv(env: NodeJS.ProcessEnv = process.env): { newKey?: string } {
  return env.DESKPORT_VAULT_NEW_KEY ? { newKey: env.DESKPORT_VAULT_NEW_KEY } : {};
}

/** Agent-side settings read from the environment (flags win). */
export function agentEnv(env: NodeJS.ProcessEnv = process.env) {
  return { gateway: env.DESKPORT_GATEWAY, enroll: env.DESKPORT_ENROLL_TOKEN, logLevel: env.DESKPORT_LOG_LEVEL ?? 'info' };
}
