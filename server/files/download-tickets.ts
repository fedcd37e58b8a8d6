// Download tickets: the file panel's way to large downloads. The page asks for a ticket (the same
// policy checks as a download), then lets the browser fetch its URL natively, straight to disk, and
// follows the progress through the ticket's status. A ticket is a random secret bound to one person
// and one session, works once, and only within its TTL; the status and cancel answer only its owner.
import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { DownloadStatus, DownloadTicket } from '../../contract/api/files.ts';
import { systemClock, type Clock } from '../clock.ts';
import { HttpError } from '../http/errors.ts';
import type { Actor, FileTransfers } from './transfers.ts';

export interface DownloadTicketsOptions {
  files: Pick<FileTransfers, 'checkDownload' | 'download'>;
  clock?: Clock;
  /** How long a ticket waits for the browser's request. Default 30 s. */
  ttlMs?: number;
  /** How long a finished ticket's status stays readable. Default 2 min. */
  keepMs?: number;
  /** Tickets one person may hold unfinished at once. Default 8. */
  maxPerUser?: number;
}

interface Entry {
  userId: string;
  sessionId: string;
  path: string;
  name: string;
  size: number;
  expiresAt: number;
  state: DownloadStatus['state'];
  sent: number;
  sha256?: string;
  error?: string;
  endedAt?: number;
  cut: AbortController;
}

/** Tickets held at once, all people together: past this the oldest finished go first, then new ones are refused. */
const MAX_ENTRIES = 10_000;
const TICKET = /^[A-Za-z0-9_-]{43}$/;

export function createDownloadTickets(o: DownloadTicketsOptions) {
  const clock = o.clock ?? systemClock;
  const ttlMs = o.ttlMs ?? 30_000;
  const keepMs = o.keepMs ?? 120_000;
  const maxPerUser = o.maxPerUser ?? 8;
  const entries = new Map<string, Entry>();

  function sweep(): void {
    const now = clock.now();
    for (const [id, e] of entries) {
      if (e.state === 'waiting' && now >= e.expiresAt) {
        e.state = 'expired';
        e.error = 'The browser did not start the download in time; try again.';
        e.endedAt = now;
      }
      if (e.endedAt !== undefined && now - e.endedAt >= keepMs) entries.delete(id);
    }
  }

  /** The ticket, only for its owner on its session: anyone else learns nothing, not even that it exists. */
  function entryOf(a: Actor, sessionId: string, ticket: string): Entry {
    sweep();
    const e = TICKET.test(ticket) ? entries.get(ticket) : undefined;
    if (!e || e.userId !== a.user.id || e.sessionId !== sessionId) throw new HttpError(404, 'not_found', 'No such download.');
    return e;
  }

  function end(e: Entry, state: 'done' | 'failed' | 'cancelled', error?: string): void {
    if (e.endedAt !== undefined) return;
    e.state = state;
    if (error) e.error = error;
    e.endedAt = clock.now();
  }

  const statusOf = (e: Entry): DownloadStatus => ({
    state: e.state,
    name: e.name,
    size: e.size,
    sent: e.sent,
    ...(e.sha256 ? { sha256: e.sha256 } : {}),
    ...(e.error ? { error: e.error } : {}),
  });

  return {
    /** Checks the download as it would run, then issues its ticket. */
    async issue(a: Actor, sessionId: string, path: string): Promise<DownloadTicket> {
      sweep();
      const open = [...entries.values()].filter((e) => e.userId === a.user.id && e.endedAt === undefined).length;
      if (open >= maxPerUser || entries.size >= MAX_ENTRIES)
        throw new HttpError(429, 'too_many_transfers', `At most ${maxPerUser} downloads may wait or run at once; wait for one to finish.`);
      const { name, size } = await o.files.checkDownload(a, sessionId, path);
      const ticket = randomBytes(32).toString('base64url');
      const expiresAt = clock.now() + ttlMs;
      entries.set(ticket, {
        userId: a.user.id,
        sessionId,
        path,
        name,
        size,
        expiresAt,
        state: 'waiting',
        sent: 0,
        cut: new AbortController(),
      });
      const base = `/api/v1/sessions/${encodeURIComponent(sessionId)}/files/downloads/${ticket}`;
      return { ticket, url: base, statusUrl: `${base}/status`, name, size, expiresAt: new Date(expiresAt).toISOString() };
    },

    /** The browser's request: used up here, whatever happens next. */
    async stream(a: Actor, sessionId: string, ticket: string, res: ServerResponse): Promise<void> {
      const e = entryOf(a, sessionId, ticket);
      if (e.state !== 'waiting')
        throw new HttpError(410, 'ticket_used', 'This download link was used already or has expired; start the download again.');
      e.state = 'running';
      try {
        const r = await o.files.download(a, sessionId, e.path, res, {
          signal: e.cut.signal,
          onHeader: (size) => (e.size = size),
          onProgress: (sent) => (e.sent = sent),
        });
        e.sent = r.sent;
        if (r.complete) {
          e.sha256 = r.sha256;
          end(e, 'done');
        } else if (r.reason === 'cancelled') end(e, 'cancelled');
        else end(e, 'failed', `The download stopped after ${r.sent} of ${r.size} bytes${r.reason ? `: ${r.reason}` : ''}.`);
      } catch (err) {
        end(e, 'failed', err instanceof HttpError ? err.message : 'The download failed.');
        throw err;
      }
    },

    status(a: Actor, sessionId: string, ticket: string): DownloadStatus {
      return statusOf(entryOf(a, sessionId, ticket));
    },

    /** Cuts a running download (the browser sees it fail) or voids a waiting ticket. */
    cancel(a: Actor, sessionId: string, ticket: string): DownloadStatus {
      const e = entryOf(a, sessionId, ticket);
      if (e.state === 'waiting') end(e, 'cancelled');
      else if (e.state === 'running') e.cut.abort();
      return statusOf(e);
    },
  };
}

export type DownloadTickets = ReturnType<typeof createDownloadTickets>;
