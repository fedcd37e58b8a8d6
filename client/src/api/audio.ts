// Sound tickets (contract/api/audio.ts): the owner's for its session, a helpdesk requester's for a shadow.
import { AudioTicketAnswer } from '../../../contract/api/audio.ts';
import { api } from './client.ts';
import { decodeWith } from './decode.ts';

const decode = (x: unknown): AudioTicketAnswer => decodeWith(AudioTicketAnswer, x);

export function createAudioTicket(sessionId: string): Promise<AudioTicketAnswer> {
  return api(`/api/v1/sessions/${encodeURIComponent(sessionId)}/audio-tickets`, { method: 'POST', decode });
}

export function createShadowAudioTicket(shadowId: string): Promise<AudioTicketAnswer> {
  return api(`/api/v1/shadows/${encodeURIComponent(shadowId)}/audio-tickets`, { method: 'POST', decode });
}
