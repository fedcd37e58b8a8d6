// Download tickets: the file panel's way to large downloads. The page asks for a ticket (the same
// policy checks as a download), then lets the browser fetch its URL natively, straight to disk, and
// follows the progress through the ticket's status. A ticket is a random secret bound to one person
// and one session, works once, and only within its TTL; the status and cancel answer only its owner.
// Tickets are store rows (migration 017), so with several gateways the ticket, the download, its
// status and a cancel may each reach a different one: the gateway sending a download writes its
// progress every second and stops when a cancel was asked elsewhere.
import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { DownloadStatus, DownloadTicket } from '../../contract/api/files.ts';
import { systemClock, type Clock } from '../clock.ts';
import { HttpError } from '../http/errors.ts';
import type { DownloadState, DownloadTicketMove, DownloadTicketRow, DownloadTicketStore } from '../store/download-ticket-types.ts';
import { sha256 } from '../util/random.ts';
import type { Actor, FileTransfers } from './transfers.ts';

export interface DownloadTicketsOptions {
  files: Pick<FileTransfers, 'checkDownload' | 'download'>;
  store: DownloadTicketStore;
  clock?: Clock;
  /** How long a ticket waits for the browser's request. Default 30 s. */
  ttlMs?: number;
  /** How long a finished ticket's status stays readable. Default 2 min. */
  keepMs?: number;
  /** Tickets one person may hold unfinished at once. Default 8. */
  maxPerUser?: number;
  /** How often the gateway sending a download writes its progress (and reads a cancel back). Default 1 s. */
  progressMs?: number;
  /** A running download not written for this long failed (its gateway died). Default 90 s. */
  staleMs?: number;
}

const TICKET = /^[A-Za-z0-9_-]{43}$/;
const EXPIRED = 'The browser did not start the download in time; try again.';
const STALE = 'The gateway sending the download stopped; start the download again.';
export const DOWNLOAD_KEEP_MS = 120_000;
export const DOWNLOAD_STALE_MS = 90_000;
/** Tickets one person may have asked for within keepMs, finished ones included (each is a row until then). */
const MAX_RECENT_PER_USER = 64;

/** Expired, stale and long finished tickets: before each issue, and by the sweeping gateway (server/broker/timers.ts). */
export function sweepDownloadTickets(store: DownloadTicketStore, now: number, keepMs = DOWNLOAD_KEEP_MS, staleMs = DOWNLOAD_STALE_MS) {
  return store.sweepDownloadTickets({
    now,
    staleBefore: now - staleMs,
    forgetBefore: now - keepMs,
    expiredError: EXPIRED,
    staleError: STALE,
  });
}

export function createDownloadTickets(o: DownloadTicketsOptions) {
  const { store } = o;
  const clock = o.clock ?? systemClock;
  const ttlMs = o.ttlMs ?? 30_000;
  const keepMs = o.keepMs ?? DOWNLOAD_KEEP_MS;
  const maxPerUser = o.maxPerUser ?? 8;
  const progressMs = o.progressMs ?? 1000;
  const staleMs = o.staleMs ?? DOWNLOAD_STALE_MS;
  /** Downloads this gateway sends, by ticket hash: a cancel asked here cuts them at once. */
  const sending = new Map<string, AbortController>();

  const move = async (hash: string, from: readonly DownloadState[], m: DownloadTicketMove) =>
    (await store.moveDownloadTicket(hash, from, m)) ?? (await store.getDownloadTicket(hash));

  /** The ticket, only for its owner on its session: anyone else learns nothing, not even that it exists. */
  async function entryOf(a: Actor, sessionId: string, ticket: string): Promise<DownloadTicketRow> {
    const hash = TICKET.test(ticket) ? sha256(ticket) : '';
    let e = hash ? await store.getDownloadTicket(hash) : null;
    const now = clock.now();
    if (e && e.state === 'waiting' && now >= e.expiresAt)
      e = await move(hash, ['waiting'], { state: 'expired', error: EXPIRED, endedAt: now });
    if (e && e.state === 'running' && e.seenAt < now - staleMs)
      e = await move(hash, ['running'], { state: 'failed', error: STALE, endedAt: now });
    if (!e || e.userId !== a.user.id || e.sessionId !== sessionId || (e.endedAt !== null && now - e.endedAt >= keepMs))
      throw new HttpError(404, 'not_found', 'No such download.');
    return e;
  }

  const statusOf = (e: DownloadTicketRow): DownloadStatus => ({
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
      await sweepDownloadTickets(store, clock.now(), keepMs, staleMs);
      const mine = await store.countDownloadTickets(a.user.id);
      if (mine.open >= maxPerUser)
        throw new HttpError(429, 'too_many_transfers', `At most ${maxPerUser} downloads may wait or run at once; wait for one to finish.`);
      if (mine.all >= MAX_RECENT_PER_USER)
        throw new HttpError(429, 'too_many_transfers', 'Too many downloads were started in the last two minutes; wait a moment.');
      const { name, size } = await o.files.checkDownload(a, sessionId, path);
      const ticket = randomBytes(32).toString('base64url');
      const expiresAt = clock.now() + ttlMs;
      await store.createDownloadTicket({
        hash: sha256(ticket),
        userId: a.user.id,
        sessionId,
        path,
        name,
        size,
        state: 'waiting',
        sent: 0,
        sha256: null,
        error: null,
        cancel: false,
        expiresAt,
        seenAt: clock.now(),
        endedAt: null,
        createdAt: clock.now(),
      });
      const base = `/api/v1/sessions/${encodeURIComponent(sessionId)}/files/downloads/${ticket}`;
      return { ticket, url: base, statusUrl: `${base}/status`, name, size, expiresAt: new Date(expiresAt).toISOString() };
    },

    /** The browser's request: used up here, whatever happens next. */
    async stream(a: Actor, sessionId: string, ticket: string, res: ServerResponse): Promise<void> {
      const e = await entryOf(a, sessionId, ticket);
      const claimed =
        e.state === 'waiting' ? await store.moveDownloadTicket(e.hash, ['waiting'], { state: 'running', seenAt: clock.now() }) : null;
      if (!claimed)
        throw new HttpError(410, 'ticket_used', 'This download link was used already or has expired; start the download again.');
      const cut = new AbortController();
      sending.set(e.hash, cut);
      let sent = 0;
      let size = e.size;
      const end = (state: 'done' | 'failed' | 'cancelled', m: Omit<DownloadTicketMove, 'state'> = {}) =>
        store.moveDownloadTicket(e.hash, ['running'], { state, sent, size, endedAt: clock.now(), ...m });
      // Progress for status polls on any gateway, and a cancel asked on another one read back. A
      // ticket no longer running (failed as stale after a long database outage) stops the download:
      // its status would say otherwise. One write at a time, however slow the database is.
      let writing = false;
      const beat = setInterval(() => {
        if (writing) return;
        writing = true;
        store
          .moveDownloadTicket(e.hash, ['running'], { state: 'running', sent, size, seenAt: clock.now() })
          .then((row) => (row === null || row.cancel) && cut.abort())
          .catch(() => undefined)
          .finally(() => (writing = false));
      }, progressMs);
      try {
        const r = await o.files.download(a, sessionId, e.path, res, {
          signal: cut.signal,
          onHeader: (n) => (size = n),
          onProgress: (n) => (sent = n),
        });
        sent = r.sent;
        if (r.complete) await end('done', { sha256: r.sha256 });
        else if (r.reason === 'cancelled') await end('cancelled');
        else await end('failed', { error: `The download stopped after ${r.sent} of ${r.size} bytes${r.reason ? `: ${r.reason}` : ''}.` });
      } catch (err) {
        await end('failed', { error: err instanceof HttpError ? err.message : 'The download failed.' }).catch(() => undefined);
        throw err;
      } finally {
        clearInterval(beat);
        sending.delete(e.hash);
      }
    },

    async status(a: Actor, sessionId: string, ticket: string): Promise<DownloadStatus> {
      return statusOf(await entryOf(a, sessionId, ticket));
    },

    /** Cuts a running download (the browser sees it fail) or voids a waiting ticket. */
    async cancel(a: Actor, sessionId: string, ticket: string): Promise<DownloadStatus> {
      let e = await entryOf(a, sessionId, ticket);
      if (e.state === 'waiting') e = (await move(e.hash, ['waiting'], { state: 'cancelled', endedAt: clock.now() })) ?? e;
      if (e.state === 'running') {
        const here = sending.get(e.hash);
        // Sent from this gateway: cut now. From another: it reads the flag back within progressMs.
        if (here) here.abort();
        else e = (await move(e.hash, ['running'], { state: 'running', cancel: true })) ?? e;
      }
      return statusOf(e);
    },
  };
}

export type DownloadTickets = ReturnType<typeof createDownloadTickets>;
