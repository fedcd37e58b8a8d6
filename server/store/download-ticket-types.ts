// File download tickets (server/files/download-tickets.ts) as the store keeps them, shared by every
// gateway: the ticket is asked for on one gateway, the browser's download, its status polls and a
// cancel may each reach another.
import type { DownloadStatus } from '../../contract/api/files.ts';

export type DownloadState = DownloadStatus['state'];

export interface DownloadTicketRow {
  /** SHA-256 (hex) of the ticket: the ticket itself is never stored. */
  hash: string;
  userId: string;
  sessionId: string;
  path: string;
  name: string;
  size: number;
  state: DownloadState;
  sent: number;
  sha256: string | null;
  error: string | null;
  /** A cancel was asked (maybe on another gateway) while the download runs: the gateway sending it stops. */
  cancel: boolean;
  expiresAt: number;
  /** Last written by the gateway sending it (every second while it runs). */
  seenAt: number;
  endedAt: number | null;
  createdAt: number;
}

/** What a move may change besides the state. */
export type DownloadTicketMove = Partial<
  Pick<DownloadTicketRow, 'sent' | 'size' | 'sha256' | 'error' | 'cancel' | 'seenAt' | 'endedAt'>
> & {
  state: DownloadState;
};

export interface DownloadTicketStore {
  createDownloadTicket(t: DownloadTicketRow): Promise<void>;
  getDownloadTicket(hash: string): Promise<DownloadTicketRow | null>;
  /** This person's tickets: not ended yet (waiting or running), and all that are still kept. */
  countDownloadTickets(userId: string): Promise<{ open: number; all: number }>;
  /** Compare-and-set: moves the ticket only while its state is one of `from`. The row after, or null when it was not. */
  moveDownloadTicket(hash: string, from: readonly DownloadState[], move: DownloadTicketMove): Promise<DownloadTicketRow | null>;
  /**
   * Housekeeping at `now`: waiting tickets past their expiry expire, running ones not seen since
   * `staleBefore` (their gateway died) fail, and tickets that ended before `forgetBefore` go.
   */
  sweepDownloadTickets(o: {
    now: number;
    staleBefore: number;
    forgetBefore: number;
    expiredError: string;
    staleError: string;
  }): Promise<void>;
}
