// deskport.agent.v1, file transfer: the files.list / files.receive / files.send requests and the text
// frames of file streams (docs/agent-protocol.md, "File streams"). Every path and name is checked
// here, at the protocol edge, by the same rules as the gateway's HTTP edge (file-paths.ts).
import { z } from 'zod';
import { checkPath, MAX_NAME_BYTES, uploadNameProblem } from './file-paths.ts';

// The same shapes as agent-v1.ts's ids (kept here: that module imports this one).
const id = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);
const desktopId = z.string().regex(/^[a-z0-9-]{1,64}$/);

/** Largest file the protocol carries at all (POLICY_LIMITS.fileMaxMb's top); each request carries the policy's own cap. */
export const MAX_FILE_BYTES = 100 * 1024 * 1024 * 1024;
/** Most entries one files.list answer holds (the control message cap bounds it too). */
export const MAX_LIST_ENTRIES = 1000;
/** Largest in-band text frame on a file stream (header, outcome). */
export const MAX_FILE_FRAME_BYTES = 4096;

const homePath = z
  .string()
  .max(4096)
  .superRefine((p, ctx) => {
    const c = checkPath(p);
    if (!c.ok) ctx.addIssue({ code: 'custom', message: c.reason });
  });
const uploadName = z
  .string()
  .max(MAX_NAME_BYTES * 4)
  .superRefine((n, ctx) => {
    const why = uploadNameProblem(n);
    if (why) ctx.addIssue({ code: 'custom', message: why });
  });
const fileBytes = z.number().int().min(0).max(MAX_FILE_BYTES);

/** List one folder of the desktop's home (`path` relative to it; '' is the home). Reply result: FilesListResult. */
export const filesListSchema = z.object({ id, type: z.literal('files.list'), desktopId, path: homePath }).strict();
/**
 * Receive (upload) a file into folder `path` of the home: dial back /agent/v1/streams/:streamId with
 * `key`; the gateway then sends exactly `size` bytes as binary frames, and the agent answers one
 * text frame (FileStreamFrame: stored or error) before closing. `maxBytes`: the session policy's cap.
 */
export const filesReceiveSchema = z
  .object({
    id,
    type: z.literal('files.receive'),
    streamId: id,
    key: z.string().min(32).max(128),
    desktopId,
    path: homePath,
    name: uploadName,
    size: fileBytes,
    maxBytes: fileBytes,
  })
  .strict()
  .refine((m) => m.size <= m.maxBytes, { message: 'size exceeds maxBytes', path: ['size'] });
/**
 * Send (download) the file at `path`: dial back, send a header text frame {type: 'files.header',
 * size, modifiedAt, sha256}, then exactly `size` bytes as binary frames, then close (1000); or an error frame.
 */
export const filesSendSchema = z
  .object({
    id,
    type: z.literal('files.send'),
    streamId: id,
    key: z.string().min(32).max(128),
    desktopId,
    path: homePath.refine((p) => p !== '', 'name a file, not the home'),
    maxBytes: fileBytes,
  })
  .strict();

const listEntry = z
  .object({
    name: z
      .string()
      .min(1)
      .max(MAX_NAME_BYTES * 4),
    kind: z.enum(['file', 'dir']),
    size: z.number().int().min(0),
    modifiedAt: z.number().int().min(0),
  })
  .strict();
export const filesListResultSchema = z.object({ entries: z.array(listEntry).max(MAX_LIST_ENTRIES), truncated: z.boolean() }).strict();
export type FilesListResult = z.infer<typeof filesListResultSchema>;

/** Text frames on a file stream (agent → gateway). */
export const fileStreamFrameSchema = z.union([
  z
    .object({
      type: z.literal('files.header'),
      size: fileBytes,
      modifiedAt: z.number().int().min(0),
      /** SHA-256 (hex) of the file as read just before sending; the gateway checks the bytes against it. */
      sha256: z.optional(z.string().regex(/^[0-9a-f]{64}$/)),
    })
    .strict(),
  z
    .object({
      type: z.literal('files.stored'),
      name: z
        .string()
        .min(1)
        .max(MAX_NAME_BYTES * 4),
      size: fileBytes,
    })
    .strict(),
  z.object({ type: z.literal('files.error'), code: z.string().regex(/^[a-z_]{1,64}$/), message: z.string().max(1000) }).strict(),
]);
export type FileStreamFrame = z.infer<typeof fileStreamFrameSchema>;

export function decodeFileStreamFrame(data: Buffer | string): { ok: true; msg: FileStreamFrame } | { ok: false; reason: string } {
  const text = typeof data === 'string' ? data : data.toString('utf8');
  if (text.length > MAX_FILE_FRAME_BYTES) return { ok: false, reason: 'file stream frame over the cap' };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'file stream frame is not JSON' };
  }
  const r = fileStreamFrameSchema.safeParse(raw);
  return r.success ? { ok: true, msg: r.data } : { ok: false, reason: `invalid file stream frame: ${r.error.issues[0]?.message ?? ''}` };
}

export type FilesList = z.infer<typeof filesListSchema>;
export type FilesReceive = z.infer<typeof filesReceiveSchema>;
export type FilesSend = z.infer<typeof filesSendSchema>;
