import { describe, expect, it } from 'vitest';
import { createAudioTickets } from './tickets.ts';

const clockAt = (t: { now: number }) => ({ now: () => t.now });

describe('sound tickets', () => {
  it('work once, for the user and session they were issued to', () => {
    const tickets = createAudioTickets({ clock: clockAt({ now: 0 }) });
    const { ticket } = tickets.issue({ userId: 'u1', sessionId: 's1' });
    expect(ticket).toMatch(/^dpa_/);
    expect(tickets.consume(ticket)).toEqual({ userId: 'u1', sessionId: 's1' });
    expect(tickets.consume(ticket)).toBeNull();
  });

  it('expire after 30 s at most, whatever the option says', () => {
    const now = { now: 0 };
    const tickets = createAudioTickets({ clock: clockAt(now), ttlMs: 600_000 });
    const { ticket } = tickets.issue({ userId: 'u1', sessionId: 's1' });
    now.now = 30_000;
    expect(tickets.consume(ticket)).toBeNull();
  });

  it('refuse junk without a lookup, and keep the table capped', () => {
    const tickets = createAudioTickets({ clock: clockAt({ now: 0 }), max: 3 });
    expect(tickets.consume('../../etc/passwd')).toBeNull();
    const first = tickets.issue({ userId: 'u', sessionId: 's' }).ticket;
    for (let i = 0; i < 5; i++) tickets.issue({ userId: 'u', sessionId: 's' });
    expect(tickets.size).toBeLessThanOrEqual(3);
    expect(tickets.consume(first)).toBeNull(); // the oldest went first
  });
});
