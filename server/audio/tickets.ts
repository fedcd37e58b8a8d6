// One-time sound tickets for /ws/audio: 256 random bits handed to the browser, kept only as a hash,
// bound to one user and one session (and the shadow, for a helpdesk shadow), valid for 30 s at most,
// consumed at the upgrade. Store rows (pending_sign_ins, kind `audio-ticket`: the store's one-time
// secrets), so the sound socket may open on another gateway than the one that issued its ticket;
// taking one is a DELETE ... RETURNING, so it works once. Expired rows go with housekeeping.
import { z } from 'zod';
import type { Clock } from '../clock.ts';
import type { Store } from '../store/types.ts';
import { secretToken, sha256 } from '../util/random.ts';

export const AUDIO_TICKET_PATTERN = /^dpa_[A-Za-z0-9_-]{43}$/;
const TTL_MS = 30_000;
const KIND = 'audio-ticket';

export interface AudioBinding {
  userId: string;
  sessionId: string;
  /** Set for a helpdesk shadow's ticket: sound stays on only while that shadow is approved with sound. */
  shadowId?: string;
}

const Binding = z.object({ userId: z.string(), sessionId: z.string(), shadowId: z.string().optional(), expiresAt: z.number() });

export interface AudioTickets {
  issue(b: AudioBinding): Promise<{ ticket: string; expiresAt: number }>;
  /** The binding of a well-formed, known, unexpired ticket, once; else null. */
  consume(ticket: string): Promise<AudioBinding | null>;
}

export function createAudioTickets(o: {
  clock: Clock;
  store: Pick<Store, 'createPendingSignIn' | 'takePendingSignIn'>;
  ttlMs?: number;
}): AudioTickets {
  const ttl = Math.min(o.ttlMs ?? TTL_MS, TTL_MS);
  return {
    async issue(b) {
      const ticket = secretToken('dpa_');
      const expiresAt = o.clock.now() + ttl;
      await o.store.createPendingSignIn({ hash: sha256(ticket), kind: KIND, data: { ...b, expiresAt }, expiresAt });
      return { ticket, expiresAt };
    },
    async consume(ticket) {
      if (!AUDIO_TICKET_PATTERN.test(ticket)) return null;
      const row = await o.store.takePendingSignIn(sha256(ticket), KIND);
      const t = row ? Binding.safeParse(row.data) : null;
      if (!t?.success || t.data.expiresAt <= o.clock.now()) return null;
      const { expiresAt: _e, ...binding } = t.data;
      return binding;
    },
  };
}
