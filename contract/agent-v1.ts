// deskport.agent.v1: the control protocol between the gateway's agent hub and every agent.
// JSON over one WebSocket per agent; requests {id, type, ...} get replies {re, ok, result|error};
// events carry no id. Every message is schema-validated and size-capped; encode/decode only here.
import { z } from 'zod';
import { filesListSchema, filesReceiveSchema, filesSendSchema } from './agent-v1-files.ts';
import { diskSnapshotSchema, type DiskSnapshot } from './agent-v1-disks.ts';

export const AGENT_PROTOCOL = 'deskport.agent.v1';
/** Largest control message either side accepts (ws maxPayload). Inventory of 1000 desktops fits. */
export const MAX_CONTROL_MESSAGE_BYTES = 256 * 1024;
export const MAX_INVENTORY = 1000;
export const HEARTBEAT_INTERVAL_MS = 5_000;
/** Missing this many heartbeats marks a host unreachable. */
export const HEARTBEAT_MISSES = 3;

export const MessageType = {
  Hello: 'hello',
  Welcome: 'welcome',
  Heartbeat: 'heartbeat',
  DesktopState: 'desktop.state',
  DesktopProgress: 'desktop.progress',
  DesktopCreate: 'desktop.create',
  DesktopDestroy: 'desktop.destroy',
  DesktopInspect: 'desktop.inspect',
  StreamOpen: 'stream.open',
  StreamConnect: 'stream.connect',
  FilesList: 'files.list',
  FilesReceive: 'files.receive',
  FilesSend: 'files.send',
  DiskSnapshot: 'disk.snapshot',
  Gateways: 'gateways',
} as const;

/** Most gateways an agent is told to keep a connection to (docs/agent-protocol.md "Several gateways"). */
export const MAX_GATEWAYS = 64;

const id = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);
const desktopId = z.string().regex(/^[a-z0-9-]{1,64}$/);
const driverName = z.enum(['process', 'docker', 'qemu', 'static']);
/** A gateway's own address for agents: http(s), no credentials, query or fragment. */
export const GatewayUrl = z
  .string()
  .max(2048)
  .refine((v) => {
    try {
      const u = new URL(v);
      return (u.protocol === 'http:' || u.protocol === 'https:') && !u.username && !u.password && !u.search && !u.hash;
    } catch {
      return false;
    }
  }, 'must be an http(s) URL without credentials, query or fragment');
const inventoryItem = z.object({ desktopId, state: z.enum(['running', 'stopped']), startedAt: z.number().int().nonnegative() }).strict();

const capacitySchema = z
  .object({
    desktops: z.number().int().min(0).max(10_000),
    cpu: z.number().min(0).max(4096),
    memoryMb: z
      .number()
      .int()
      .min(0)
      .max(1 << 30),
  })
  .strict();

export const helloSchema = z
  .object({
    type: z.literal(MessageType.Hello),
    protocol: z.literal(AGENT_PROTOCOL),
    agentVersion: z.string().max(64),
    name: z.string().min(1).max(128),
    drivers: z.array(driverName).min(1).max(4),
    capacity: capacitySchema,
    inventory: z.array(inventoryItem).max(MAX_INVENTORY),
    /** Random per agent process: a gateway reconciles the inventory once per boot (and after the host was away). */
    bootId: id.optional(),
  })
  .strict();

/** Gateway → agent after hello: who the agent is now, and (after enrollment) its credential to keep. */
export const welcomeSchema = z
  .object({
    type: z.literal(MessageType.Welcome),
    hostId: id,
    credential: z.string().max(128).optional(),
    /** How often the gateway wants heartbeats (it drops agents silent for about three of these). */
    heartbeatMs: z.number().int().min(200).max(60_000).optional(),
    /** This gateway's own address (its advertise URL); stream dial-backs and reconnects go there. */
    gatewayUrl: GatewayUrl.optional(),
    /** Every gateway sharing this one's store, this one included: keep a connection to each. */
    gateways: z.array(GatewayUrl).max(MAX_GATEWAYS).optional(),
  })
  .strict();

/** Gateway → agent when the gateways sharing its store changed (one started or went away). */
export const gatewaysSchema = z
  .object({
    type: z.literal(MessageType.Gateways),
    urls: z.array(GatewayUrl).max(MAX_GATEWAYS),
  })
  .strict();

const bytes = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
/** Disk the desktops of drivers that keep disks (qemu: overlays and kept personal disks) hold on the host. */
export const diskUsageSchema = z
  .object({
    bytes,
    desktops: z.array(z.object({ desktopId, bytes }).strict()).max(MAX_INVENTORY),
  })
  .strict();
export type DiskUsageReport = z.infer<typeof diskUsageSchema>;

/** Every HEARTBEAT_INTERVAL_MS: liveness plus what the host has and uses now. */
export const heartbeatSchema = z
  .object({
    type: z.literal(MessageType.Heartbeat),
    at: z.number().int(),
    desktops: z.number().int().min(0).max(MAX_INVENTORY),
    capacity: capacitySchema.optional(),
    disk: diskUsageSchema.optional(),
    /** The agent's connection that events go on (of its connections to several gateways); it alone records liveness in the store. */
    primary: z.boolean().optional(),
  })
  .strict();

/** A step of a desktop.create in progress (pulling, creating, starting, waiting_display). */
export const desktopProgressSchema = z
  .object({
    type: z.literal(MessageType.DesktopProgress),
    desktopId,
    step: z.enum(['pulling', 'creating', 'starting', 'waiting_display']),
    message: z.string().max(200),
  })
  .strict();

export const desktopStateSchema = z
  .object({
    type: z.literal(MessageType.DesktopState),
    desktopId,
    state: z.enum(['running', 'stopped', 'gone', 'failed']),
    error: z.string().max(2048).optional(),
  })
  .strict();

export const desktopCreateSchema = z
  .object({
    id,
    type: z.literal(MessageType.DesktopCreate),
    driver: driverName,
    spec: z
      .object({
        desktopId,
        secret: z.string().min(6).max(64),
        persistence: z.enum(['pooled', 'personal']),
        homeKey: id.optional(),
        image: z.string().max(256).optional(),
        cpu: z.number().positive().max(256).optional(),
        memoryMb: z
          .number()
          .int()
          .positive()
          .max(1 << 22)
          .optional(),
        width: z.number().int().min(320).max(8192).optional(),
        height: z.number().int().min(200).max(8192).optional(),
        /** What the desktop serves: 'vnc' (default) or 'rdp' (xrdp + xorgxrdp, on an agent-only unix socket). */
        protocol: z.enum(['vnc', 'rdp']).optional(),
        /** The desktop's own network: absent = none; 'restricted' (qemu): a user-mode NIC that reaches nothing outside. */
        network: z.enum(['none', 'restricted']).optional(),
      })
      .strict(),
  })
  .strict();

export const desktopDestroySchema = z.object({ id, type: z.literal(MessageType.DesktopDestroy), desktopId }).strict();
export const desktopInspectSchema = z.object({ id, type: z.literal(MessageType.DesktopInspect), desktopId }).strict();
/**
 * Open a display stream to a desktop this agent runs: dial back /agent/v1/streams/:streamId with
 * `key` and pipe it to the desktop's display server. `channel` picks the server: 'vnc' (default) or
 * 'rdp' (desktops created with protocol 'rdp'), or 'audio': the desktop's sound as raw PCM
 * (contract/audio.ts), captured only while this stream is open.
 */
export const streamOpenSchema = z
  .object({
    id,
    type: z.literal(MessageType.StreamOpen),
    streamId: id,
    desktopId,
    key: z.string().min(32).max(128),
    channel: z.enum(['vnc', 'rdp', 'audio']).optional(),
  })
  .strict();

/**
 * Open a stream to an existing machine's RDP/VNC/SSH port, dialled by the agent (never the gateway):
 * the address is as the agent sees it (a host name or an IP literal). Agents refuse targets outside
 * their allowed networks with error code `target_not_allowed`, and unreachable ones with
 * `target_unreachable`.
 */
export const streamConnectSchema = z
  .object({
    id,
    type: z.literal(MessageType.StreamConnect),
    streamId: id,
    key: z.string().min(32).max(128),
    target: z
      .object({
        address: z
          .string()
          .min(1)
          .max(253)
          .regex(/^[A-Za-z0-9.:_-]+$/),
        port: z.number().int().min(1).max(65535),
      })
      .strict(),
  })
  .strict();

const errorSchema = z.object({ code: z.string().max(64), message: z.string().max(2048) }).strict();
export const replySchema = z.union([
  z.object({ re: id, ok: z.literal(true), result: z.record(z.string(), z.unknown()).optional() }).strict(),
  z.object({ re: id, ok: z.literal(false), error: errorSchema }).strict(),
]);

export const agentToGateway = z.union([helloSchema, heartbeatSchema, desktopStateSchema, desktopProgressSchema, replySchema]);
export const gatewayToAgent = z.union([
  welcomeSchema,
  gatewaysSchema,
  desktopCreateSchema,
  desktopDestroySchema,
  desktopInspectSchema,
  streamOpenSchema,
  streamConnectSchema,
  filesListSchema,
  filesReceiveSchema,
  filesSendSchema,
  diskSnapshotSchema,
]);

export type Hello = z.infer<typeof helloSchema>;
export type Welcome = z.infer<typeof welcomeSchema>;
export type GatewaysMessage = z.infer<typeof gatewaysSchema>;
export type Heartbeat = z.infer<typeof heartbeatSchema>;
export type DesktopStateEvent = z.infer<typeof desktopStateSchema>;
export type DesktopProgressEvent = z.infer<typeof desktopProgressSchema>;
export type DesktopCreate = z.infer<typeof desktopCreateSchema>;
export type DesktopDestroy = z.infer<typeof desktopDestroySchema>;
export type DesktopInspect = z.infer<typeof desktopInspectSchema>;
export type StreamOpen = z.infer<typeof streamOpenSchema>;
export type StreamConnect = z.infer<typeof streamConnectSchema>;
export type Reply = z.infer<typeof replySchema>;
export type AgentToGateway = z.infer<typeof agentToGateway>;
export type GatewayToAgent = z.infer<typeof gatewayToAgent>;
export type InventoryItem = z.infer<typeof inventoryItem>;
type FilesList = z.infer<typeof filesListSchema>;
type FilesReceive = z.infer<typeof filesReceiveSchema>;
type FilesSend = z.infer<typeof filesSendSchema>;
export type AgentRequest =
  DesktopCreate | DesktopDestroy | DesktopInspect | StreamOpen | StreamConnect | FilesList | FilesReceive | FilesSend | DiskSnapshot;

export type Decoded<T> = { ok: true; msg: T } | { ok: false; reason: string };

/** Each message type's schema, so an error names the field of the message actually sent. */
const fromAgentByType: Record<string, z.ZodType<AgentToGateway>> = {
  [MessageType.Hello]: helloSchema,
  [MessageType.Heartbeat]: heartbeatSchema,
  [MessageType.DesktopState]: desktopStateSchema,
  [MessageType.DesktopProgress]: desktopProgressSchema,
};
const fromGatewayByType: Record<string, z.ZodType<GatewayToAgent>> = {
  [MessageType.Welcome]: welcomeSchema,
  [MessageType.Gateways]: gatewaysSchema,
  [MessageType.DesktopCreate]: desktopCreateSchema,
  [MessageType.DesktopDestroy]: desktopDestroySchema,
  [MessageType.DesktopInspect]: desktopInspectSchema,
  [MessageType.StreamOpen]: streamOpenSchema,
  [MessageType.StreamConnect]: streamConnectSchema,
  [MessageType.FilesList]: filesListSchema,
  [MessageType.FilesReceive]: filesReceiveSchema,
  [MessageType.FilesSend]: filesSendSchema,
  [MessageType.DiskSnapshot]: diskSnapshotSchema,
};

function decode<T>(byType: Record<string, z.ZodType<T>>, reply: z.ZodType<T> | null, data: Buffer | string, max: number): Decoded<T> {
  const size = typeof data === 'string' ? Buffer.byteLength(data) : data.length;
  if (size > max) return { ok: false, reason: `message of ${size} bytes exceeds the ${max}-byte cap` };
  let raw: unknown;
  try {
    raw = JSON.parse(typeof data === 'string' ? data : data.toString('utf8'));
  } catch {
    return { ok: false, reason: 'message is not valid JSON' };
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { ok: false, reason: 'message is not a JSON object' };
  const obj = raw as Record<string, unknown>;
  const type = typeof obj.type === 'string' ? obj.type.slice(0, 40) : undefined;
  if (type === MessageType.Hello && obj.protocol !== AGENT_PROTOCOL) {
    return {
      ok: false,
      reason: `unsupported protocol ${JSON.stringify(String(obj.protocol).slice(0, 40))}; this gateway speaks ${AGENT_PROTOCOL}`,
    };
  }
  const schema = reply && 're' in obj ? reply : type !== undefined ? byType[type] : undefined;
  if (!schema) return { ok: false, reason: type !== undefined ? `unknown message type "${type}"` : 'message has no type' };
  const r = schema.safeParse(raw);
  if (r.success) return { ok: true, msg: r.data };
  const i = r.error.issues[0];
  return {
    ok: false,
    reason: `invalid message${type ? ` of type "${type}"` : ''}: ${i ? `${i.path.join('.') || '(root)'}: ${i.message}` : 'unknown'}`,
  };
}

export const decodeFromAgent = (data: Buffer | string): Decoded<AgentToGateway> =>
  decode(fromAgentByType, replySchema, data, MAX_CONTROL_MESSAGE_BYTES);
export const decodeFromGateway = (data: Buffer | string): Decoded<GatewayToAgent> =>
  decode(fromGatewayByType, null, data, MAX_CONTROL_MESSAGE_BYTES);
export const encode = (msg: AgentToGateway | GatewayToAgent): string => JSON.stringify(msg);

/**
 * WebSocket close codes used on agent sockets. HostRemoved (the host was deleted by an admin while
 * connected) is a permanent refusal like a refused upgrade: the agent stops instead of reconnecting.
 */
/** Resync: the gateway wants a fresh hello (inventory) from the agent, which reconnects at once. */
export const CloseCode = {
  ProtocolError: 4400,
  Unauthorized: 4401,
  HostRemoved: 4403,
  Replaced: 4409,
  Resync: 4412,
  Shutdown: 1001,
} as const;

/**
 * Error codes of a refused /agent/v1/connect upgrade: HTTP 401 with {error: {code, message}}. Each
 * is permanent (retrying cannot help), so the agent ends with exit code 2 and says what to do.
 * Other answers (5xx, network errors) are transient and retried with backoff.
 */
export const RefusalCode = {
  TokenUsed: 'enrollment_token_used',
  TokenExpired: 'enrollment_token_expired',
  TokenUnknown: 'enrollment_token_unknown',
  CredentialUnknown: 'host_credential_unknown',
  NoCredentials: 'agent_credentials_missing',
} as const;
export type RefusalCode = (typeof RefusalCode)[keyof typeof RefusalCode];
