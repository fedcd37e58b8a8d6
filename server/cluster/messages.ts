// What gateways sharing a store tell each other over its signals (docs/store.md "Between
// gateways"): session events for the streams, displays to close, and each gateway's display counts.
// Checked once here like any peer's input; a message that does not parse is dropped and logged.
import { z } from 'zod';
import { PROGRESS_STEPS, SessionView, ShadowView } from '../../contract/api/desktops.ts';

const Id = z.string().min(1).max(100);
/** At most this many counts in one message: a heartbeat of more sessions goes in several (signal size cap). */
export const COUNTS_PER_MESSAGE = 100;
export const MAX_PROGRESS_CHARS = 2000;
export const MAX_CLOSE_REASON_CHARS = 123;
/** A session view's error is cut to this before it travels, so a state event stays under the signal cap. */
export const MAX_ERROR_CHARS = 1000;

const SessionEventMessage = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('progress'), step: z.enum(PROGRESS_STEPS), message: z.string().max(MAX_PROGRESS_CHARS), at: z.number() }),
  z.object({ kind: z.literal('state'), session: SessionView }),
  z.object({ kind: z.literal('shadow'), shadow: ShadowView }),
]);

export const ClusterMessage = z.discriminatedUnion('t', [
  /** A session event, for streams on other gateways. */
  z.object({ t: z.literal('event'), s: Id, e: SessionEventMessage }),
  /** Close the displays this selects (server/broker/viewers.ts ViewerSelector). */
  z.object({
    t: z.literal('close'),
    sel: z
      .strictObject({
        sessionId: Id.optional(),
        userId: Id.optional(),
        shadowId: Id.optional(),
        shadowsOnly: z.boolean().optional(),
      })
      // Never "every display": a close names a session, a person or a shadow.
      .refine((sel) => sel.sessionId !== undefined || sel.userId !== undefined || sel.shadowId !== undefined, 'names nothing to close'),
    code: z.number().int().min(1000).max(4999),
    reason: z.string().max(MAX_CLOSE_REASON_CHARS),
  }),
  /** The sender's display counts (a change, or its repeated heartbeat); 0 means none left. */
  z.object({ t: z.literal('viewers'), counts: z.array(z.tuple([Id, z.number().int().min(0).max(1_000_000)])).max(COUNTS_PER_MESSAGE) }),
  /** Agents the sender holds a connection of (1) or no longer (0): a change, or its repeated heartbeat. */
  z.object({ t: z.literal('hosts'), held: z.array(z.tuple([Id, z.union([z.literal(0), z.literal(1)])])).max(COUNTS_PER_MESSAGE) }),
  /** The sender is alive (sent with every heartbeat, also when it has no displays). */
  z.object({ t: z.literal('alive') }),
  /** The sender is stopping: forget its counts now. */
  z.object({ t: z.literal('bye') }),
]);
export type ClusterMessage = z.infer<typeof ClusterMessage>;

export const Envelope = z.object({ g: Id, m: ClusterMessage });
export type Envelope = z.infer<typeof Envelope>;
