// File transfer between the person's browser and a desktop Deskport runs (process and docker
// drivers): list a folder of the desktop's home, upload into it, download from it. Bytes stream
// through the gateway to the host's agent (docs/agent-protocol.md); nothing is kept in between.
import { z } from 'zod/mini';
import type { RouteDoc } from './route.ts';

export const FileEntry = z.object({
  name: z.string(),
  kind: z.enum(['file', 'dir']),
  size: z.number(),
  modifiedAt: z.number(),
});
export type FileEntry = z.infer<typeof FileEntry>;

/** What the session's policy allows (the gateway enforces it on every request). */
export const FilePolicyView = z.object({ upload: z.boolean(), download: z.boolean(), maxBytes: z.number() });
export type FilePolicyView = z.infer<typeof FilePolicyView>;

export const FileListAnswer = z.object({
  /** The folder listed, relative to the home ('' is the home). */
  path: z.string(),
  entries: z.array(FileEntry),
  /** More entries exist than were listed (at most 1000 are). */
  truncated: z.boolean(),
  /** The folder the panel opens first: 'Downloads' (listed empty until the first upload creates it). */
  startPath: z.string(),
  policy: FilePolicyView,
});
export type FileListAnswer = z.infer<typeof FileListAnswer>;

export const FileStored = z.object({ name: z.string(), size: z.number(), sha256: z.string() });
export type FileStored = z.infer<typeof FileStored>;

/** POST .../files/downloads: a one-time ticket for the browser's own (native, streamed-to-disk) download. */
export const DownloadTicketBody = z.object({ path: z.string().check(z.maxLength(4096)) });
export const DownloadTicket = z.object({
  /** The secret itself (43 base64url characters); also the last step of `url`. */
  ticket: z.string(),
  /** GET it once, within `expiresAt`, signed in as the same person: the file, as an attachment. */
  url: z.string(),
  /** GET for progress, DELETE (on the ticket's url) to cancel. */
  statusUrl: z.string(),
  name: z.string(),
  /** Bytes as listed; -1 when a folder of over 1000 entries hid the file from the listing. */
  size: z.number(),
  expiresAt: z.string(),
});
export type DownloadTicket = z.infer<typeof DownloadTicket>;
export const DownloadStatus = z.object({
  state: z.enum(['waiting', 'running', 'done', 'failed', 'cancelled', 'expired']),
  name: z.string(),
  size: z.number(),
  /** Bytes handed to the browser's connection so far. */
  sent: z.number(),
  /** Hex, once done: the same as the download's X-Checksum-Sha256 header. */
  sha256: z.optional(z.string()),
  error: z.optional(z.string()),
});
export type DownloadStatus = z.infer<typeof DownloadStatus>;

export const FileListQuery = z.object({ path: z.optional(z.string()) });
export const FileUploadQuery = z.object({ path: z.optional(z.string()), name: z.string() });
export const FileDownloadQuery = z.object({ path: z.string() });

const pathRules =
  'Paths are relative to the desktop’s home, "/"-separated: no leading "/", no "..", no control characters, names up to 255 bytes, at most 32 folders deep. Symbolic links are never followed. Only the session’s owner may transfer files (not a helpdesk shadow).';

const refusals = {
  403: ['forbidden', 'file_transfer_disabled', 'symlink_refused', 'permission_denied'],
  404: ['not_found'],
  409: ['session_not_ready', 'files_not_available', 'desktop_gone', 'not_a_folder', 'not_a_file'],
  429: ['too_many_transfers'],
  503: ['host_unreachable'],
} as const;

export const ROUTES: readonly RouteDoc[] = [
  {
    method: 'get',
    path: '/sessions/:id/files',
    summary: 'List a folder of the desktop’s home (folders first; hidden files and links are not listed)',
    description: `${pathRules} Also answers what the session's policy allows and the folder to open first (Downloads, listed empty until the first upload there creates it).`,
    audience: 'user',
    query: FileListQuery,
    ok: { status: 200, schema: FileListAnswer },
    errors: refusals,
  },
  {
    method: 'put',
    path: '/sessions/:id/files/content',
    summary: 'Upload a file into a folder of the desktop’s home (the raw request body is the file)',
    description: `${pathRules} Content-Length is required and at most the policy's fileMaxMb. The file appears under its name only when every byte arrived (a name taken already becomes "name (1).ext"); a cancelled, stalled or short upload leaves nothing. Uploads into "Downloads" create that folder if the home has none. Answers the name used, the size and the SHA-256 (also in the audit log as file.upload).`,
    audience: 'user',
    query: FileUploadQuery,
    ok: { status: 201, schema: FileStored },
    errors: { ...refusals, 408: ['upload_stalled'], 411: ['length_required'], 413: ['too_large'], 507: ['disk_full'] },
  },
  {
    method: 'get',
    path: '/sessions/:id/files/content',
    summary: 'Download a file of the desktop’s home',
    description: `${pathRules} Streams the file with Content-Length and Content-Disposition: attachment. Audited as file.download with its size and SHA-256.`,
    audience: 'user',
    query: FileDownloadQuery,
    ok: { status: 200, contentType: 'application/octet-stream' },
    errors: { ...refusals, 413: ['too_large'] },
  },
  {
    method: 'post',
    path: '/sessions/:id/files/downloads',
    summary: 'A one-time download ticket: the browser then downloads the file natively, straight to disk',
    description: `${pathRules} Checks what the download would (the policy, that the path is a file, its size against fileMaxMb) and answers a ticket: GET its url once, within 30 s, as the same person (cookie or token), to get the file as an attachment with Content-Length and its SHA-256 in X-Checksum-Sha256 and Repr-Digest. The gateway checks the bytes it relays against that checksum and cuts the download (the last bytes withheld) when the file changed meanwhile. statusUrl answers the progress; DELETE on the url cancels. Audited as file.download (via: ticket).`,
    audience: 'user',
    body: DownloadTicketBody,
    ok: { status: 201, schema: DownloadTicket },
    errors: { ...refusals, 413: ['too_large'], 429: ['too_many_transfers'] },
  },
  {
    method: 'get',
    path: '/sessions/:id/files/downloads/:ticket',
    summary: 'The file of a download ticket (once)',
    description:
      'Only for the person the ticket was issued to, once, before it expires. Streams with Content-Disposition: attachment, Content-Length, X-Checksum-Sha256 and Repr-Digest.',
    audience: 'user',
    ok: { status: 200, contentType: 'application/octet-stream' },
    errors: { 404: ['not_found'], 410: ['ticket_used'] },
  },
  {
    method: 'get',
    path: '/sessions/:id/files/downloads/:ticket/status',
    summary: 'How far a ticket’s download got (kept 2 minutes after it ends)',
    audience: 'user',
    ok: { status: 200, schema: DownloadStatus },
    errors: { 404: ['not_found'] },
  },
  {
    method: 'delete',
    path: '/sessions/:id/files/downloads/:ticket',
    summary: 'Cancel a ticket’s download: a waiting ticket is voided, a running download cut',
    audience: 'user',
    ok: { status: 200, schema: DownloadStatus },
    errors: { 404: ['not_found'] },
  },
];
