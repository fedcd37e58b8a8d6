// One-time sound tickets for /ws/audio: 256 random bits handed to the browser, kept only as a hash,
// bound to one user and one session (and the shadow, for a helpdesk shadow), valid for 30 s at most,
// consumed at the upgrade. In memory: a sound socket opens on the gateway that issued its ticket
// within seconds, and a lost ticket costs only a new one. The table is capped.
import type { Clock } from '../clock.ts';
import { secretToken, sha256 } from '../util/random.ts';

export const AUDIO_TICKET_PATTERN = /^dpa_[A-Za-z0-9_-]{43}$/;
const TTL_MS = 30_000;
const MAX_TICKETS = 10_000;

export interface AudioBinding {
  userId: string;
  sessionId: string;
  /** Set for a helpdesk shadow's ticket: sound stays on only while that shadow is approved with sound. */
  shadowId?: string;
}

export interface AudioTickets {
  issue(b: AudioBinding): { ticket: string; expiresAt: number };
  /** The binding of a well-formed, known, unexpired ticket, once; else null. */
  consume(ticket: string): AudioBinding | null;
  readonly size: number;
}

export function createAudioTickets(o: { clock: Clock; ttlMs?: number; max?: number }): AudioTickets {
  const ttl = Math.min(o.ttlMs ?? TTL_MS, TTL_MS);
  const max = o.max ?? MAX_TICKETS;
  const byHash = new Map<string, AudioBinding & { expiresAt: number }>();
  const sweep = (): void => {
    const now = o.clock.now();
    for (const [h, t] of byHash) if (t.expiresAt <= now) byHash.delete(h);
    // Still full of live tickets (someone asking in a loop): the oldest go first; Maps keep insertion order.
    for (const h of byHash.keys()) {
      if (byHash.size < max) break;
      byHash.delete(h);
    }
  };
  return {
    issue(b) {
      if (byHash.size >= max) sweep();
      const ticket = secretToken('dpa_');
      const expiresAt = o.clock.now() + ttl;
      byHash.set(sha256(ticket), { ...b, expiresAt });
      return { ticket, expiresAt };
    },
    consume(ticket) {
      if (!AUDIO_TICKET_PATTERN.test(ticket)) return null;
      const h = sha256(ticket);
      const t = byHash.get(h);
      if (!t) return null;
      byHash.delete(h);
      if (t.expiresAt <= o.clock.now()) return null;
      const { expiresAt: _e, ...binding } = t;
      return binding;
    },
    get size() {
      return byHash.size;
    },
  };
}
