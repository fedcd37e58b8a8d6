// Who may move files on which session, under which policy: only the session's owner (the person who
// holds control tickets; helpdesk shadows never), only on a ready desktop Deskport runs, only what
// the session's policy allows. Also maps the agent's file error codes to HTTP answers, once.
import { DEFAULT_SESSION_POLICY, type SessionPolicy } from '../../contract/api/policy.ts';
import { hasRole } from '../auth/roles.ts';
import { HttpError } from '../http/errors.ts';
import type { Desktop, Session, Store, User } from '../store/types.ts';

export type FileAction = 'list' | 'upload' | 'download';

export interface FileTarget {
  session: Session;
  desktop: Desktop;
  policy: SessionPolicy;
}

export const maxBytesOf = (p: SessionPolicy): number => p.fileMaxMb * 1024 * 1024;

const refusal = {
  upload: 'Uploading files to this desktop is turned off by its pool’s policy; ask an administrator if you need it.',
  download: 'Downloading files from this desktop is turned off by its pool’s policy; ask an administrator if you need it.',
  list: 'File transfer is turned off for this desktop by its pool’s policy; ask an administrator if you need it.',
};

export async function fileTarget(
  deps: { store: Store; policyOf?: (s: Session) => Promise<SessionPolicy> },
  user: User,
  sessionId: string,
  action: FileAction,
): Promise<FileTarget> {
  const session = await deps.store.getSession(sessionId);
  if (!session || session.userId !== user.id) {
    // As for tickets: another person's session does not exist, unless staff could see it anyway.
    if (session && (hasRole(user, 'helpdesk') || hasRole(user, 'admin')))
      throw new HttpError(403, 'forbidden', 'Only the session’s owner may transfer files; a shadow cannot.');
    throw new HttpError(404, 'not_found', 'No such session.');
  }
  if (session.state !== 'ready')
    throw new HttpError(409, 'session_not_ready', `The session is ${session.state}; files move only while its desktop runs.`);
  if (session.machineId || !session.desktopId)
    throw new HttpError(
      409,
      'files_not_available',
      'This session is on an existing machine; its files go through the machine’s own viewer.',
    );
  const policy = deps.policyOf ? await deps.policyOf(session) : DEFAULT_SESSION_POLICY;
  const allowed =
    action === 'upload' ? policy.fileUpload : action === 'download' ? policy.fileDownload : policy.fileUpload || policy.fileDownload;
  if (!allowed) throw new HttpError(403, 'file_transfer_disabled', refusal[action]);
  const desktop = await deps.store.getDesktop(session.desktopId);
  if (!desktop) throw new HttpError(409, 'desktop_gone', 'The desktop of this session is gone.');
  return { session, desktop, policy };
}

const STATUS_OF_CODE: Record<string, number> = {
  bad_path: 400,
  not_found: 404,
  symlink_refused: 403,
  permission_denied: 403,
  not_a_folder: 409,
  not_a_file: 409,
  name_taken: 409,
  too_large: 413,
  disk_full: 507,
  stalled: 408,
  desktop_gone: 409,
  no_such_desktop: 409,
  files_unavailable: 409,
  too_many_transfers: 429,
  agent_timeout: 503,
  agent_unreachable: 503,
  agent_busy: 503,
};

/** An error the agent (or the hub) reported, as the HTTP answer the person gets. */
export function httpOfAgent(err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  const e = err as { code?: unknown; message?: unknown };
  const code = typeof e.code === 'string' ? e.code : 'file_error';
  const message = typeof e.message === 'string' && e.message ? e.message : 'the transfer failed';
  if (code === 'no_such_desktop') return new HttpError(409, 'desktop_gone', 'The desktop is gone.');
  if (code.startsWith('agent_')) return new HttpError(503, 'host_unreachable', `The desktop’s host did not answer: ${message}`);
  if (code === 'stalled') return new HttpError(408, 'upload_stalled', `Upload stalled: ${message}. Try again.`);
  const status = STATUS_OF_CODE[code];
  return status ? new HttpError(status, code, capitalised(message)) : new HttpError(502, 'file_error', capitalised(message));
}

const capitalised = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1) + (/[.!?]$/.test(s) ? '' : '.');
