// What a session may do beyond showing the screen: recording, file transfer, clipboard and sound.
// One shape for pools and existing machines (`policy` on both); the gateway enforces it, the
// viewer only reflects it. Defaults keep today's behaviour: no recording, everything else allowed.
import { z } from 'zod/mini';

/** off: never; on: the whole session, with a notice in the viewer; shadow: only while a helpdesk shadow is active. */
export const RECORDING_MODES = ['off', 'on', 'shadow'] as const;
export type RecordingMode = (typeof RECORDING_MODES)[number];
/** Which way the clipboard may move between the person's browser and the desktop. */
export const CLIPBOARD_MODES = ['both', 'to_desktop', 'from_desktop', 'none'] as const;
export type ClipboardMode = (typeof CLIPBOARD_MODES)[number];

export const POLICY_LIMITS = {
  recordingRetentionDays: { min: 1, max: 3650 },
  fileMaxMb: { min: 1, max: 100 * 1024 },
  clipboardMaxKb: { min: 1, max: 10 * 1024 },
} as const;
const whole = (r: { min: number; max: number }) => z.int().check(z.gte(r.min), z.lte(r.max));

export const SessionPolicy = z.strictObject({
  recording: z.enum(RECORDING_MODES),
  /** Finished recordings are deleted this many days after they end. */
  recordingRetentionDays: whole(POLICY_LIMITS.recordingRetentionDays),
  /**
   * When recordings cannot be written (recordings quota reached, disk full): true refuses new sessions
   * (503 recording_unavailable); false keeps the session, records nothing, and raises a dashboard alert.
   */
  recordingRequired: z.boolean(),
  /** Browser → desktop files. */
  fileUpload: z.boolean(),
  /** Desktop → browser files. */
  fileDownload: z.boolean(),
  /** Largest single file either way. */
  fileMaxMb: whole(POLICY_LIMITS.fileMaxMb),
  clipboard: z.enum(CLIPBOARD_MODES),
  /** Larger clipboard texts are dropped (not truncated), either way. */
  clipboardMaxKb: whole(POLICY_LIMITS.clipboardMaxKb),
  /** The desktop's sound may be played in the person's browser. */
  audio: z.boolean(),
});
export type SessionPolicy = z.infer<typeof SessionPolicy>;
/** PATCH bodies may change any subset; the rest is kept. */
export const SessionPolicyPatch = z.partial(SessionPolicy);
export type SessionPolicyPatch = z.infer<typeof SessionPolicyPatch>;

export const DEFAULT_SESSION_POLICY: SessionPolicy = {
  recording: 'off',
  recordingRetentionDays: 30,
  recordingRequired: false,
  fileUpload: true,
  fileDownload: true,
  fileMaxMb: 100,
  clipboard: 'both',
  clipboardMaxKb: 1024,
  audio: true,
};

/** A stored or partial policy completed with the defaults (fields unknown to this version are dropped). */
export function completePolicy(p: Partial<SessionPolicy> | null | undefined): SessionPolicy {
  const out: SessionPolicy = { ...DEFAULT_SESSION_POLICY };
  if (!p) return out;
  for (const k of Object.keys(DEFAULT_SESSION_POLICY) as (keyof SessionPolicy)[]) {
    if (p[k] !== undefined) (out as Record<string, unknown>)[k] = p[k];
  }
  return SessionPolicy.parse(out);
}
