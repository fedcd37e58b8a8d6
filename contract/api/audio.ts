// The desktop's sound in the viewer: one-time tickets for /ws/audio (contract/audio.ts has the wire
// format). A session's owner asks for its own; a helpdesk shadow only when the owner also shared sound.
import { z } from 'zod/mini';
import type { RouteDoc } from './route.ts';

const Iso = z.string();

/** Open `url` as a WebSocket within a few seconds: its first frame names the PCM format, then sound follows. */
export const AudioTicketAnswer = z.object({ ticket: z.string(), url: z.string(), expiresAt: Iso });
export type AudioTicketAnswer = z.infer<typeof AudioTicketAnswer>;

/** The owner's answer to a shadow request may also share the desktop's sound (default: not). */
export const ShadowApproveBody = z.strictObject({ sound: z.optional(z.boolean()) });
export type ShadowApproveBody = z.infer<typeof ShadowApproveBody>;

export const ROUTES: RouteDoc[] = [
  {
    method: 'post',
    path: '/sessions/:id/audio-tickets',
    summary: "A one-time ticket for the desktop's sound (/ws/audio) of one of your sessions",
    description:
      'Refused with 403 `audio_not_allowed` when the session policy turns sound off, and 409 `audio_unsupported` for sessions on existing machines (their sound is not carried yet).',
    audience: 'user',
    ok: { status: 201, schema: AudioTicketAnswer },
    errors: { 403: ['forbidden', 'audio_not_allowed'], 404: ['not_found'], 409: ['session_not_ready', 'audio_unsupported'] },
  },
  {
    method: 'post',
    path: '/shadows/:id/audio-tickets',
    summary: "A sound ticket for an approved shadow whose owner also shared the desktop's sound (the requester)",
    audience: 'helpdesk',
    ok: { status: 201, schema: AudioTicketAnswer },
    errors: { 403: ['forbidden', 'audio_not_allowed', 'sound_not_shared'], 404: ['not_found'], 409: ['shadow_not_approved'] },
  },
];
