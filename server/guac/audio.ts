// Sound through guacd: its audio parameters for a display, and the gateway's own filter on guacd's
// `audio` streams (`audio`, then that stream's `blob`s and `end`). guacd sends a connection's sound to
// every user of it, helpdesk joins included, whatever their handshake said (libguac broadcasts the
// blobs), so a display that may not hear never gets the streams, whatever guacd does. docs/audio.md.
import type { GuacdSettings } from 'guacamole-lite/lib/GuacdClient.js';
import { opcodeOf } from './stream-policy.ts';

/** The one format the browser plays (client/src/modules/audio/guacSound.ts); guacd encodes raw PCM as L16. */
export const GUAC_AUDIO_MIMETYPES = ['audio/L16'];

/** Whether one display may hear: the policy's `audio`, and for a helpdesk join the owner's "also share sound". */
export function displayHears(o: { policyAudio: boolean; shadow: boolean; shadowSound: boolean }): boolean {
  return o.policyAudio && (!o.shadow || o.shadowSound);
}

/**
 * guacd's parameters: the handshake's audio mimetypes (none: guacd opens no audio stream for this user)
 * and, for RDP, `disable-audio` when off (guacd's RDP enables sound by default). VNC sound needs the
 * machine's own `enable-audio` + `audio-servername` (a PulseAudio server guacd reaches): not offered
 * for existing machines yet (docs/audio.md).
 */
export function audioParams(hears: boolean, protocol: 'rdp' | 'vnc' | 'ssh', join: boolean): GuacdSettings {
  if (hears) return { audio: GUAC_AUDIO_MIMETYPES };
  return { audio: [], ...(protocol === 'rdp' && !join ? { 'disable-audio': 'true' } : {}) };
}

/** The first argument of one whole instruction (a stream index), without parsing the rest; '' when none. */
export function firstArg(raw: string): string {
  const dot = raw.indexOf('.');
  const after = dot + 1 + Number(raw.slice(0, dot));
  if (raw[after] !== ',') return '';
  const lenEnd = raw.indexOf('.', after + 1);
  if (lenEnd < 0 || lenEnd - after > 8) return '';
  const n = Number(raw.slice(after + 1, lenEnd));
  return Number.isInteger(n) && n >= 0 ? raw.slice(lenEnd + 1, lenEnd + 1 + n) : '';
}

/** Audio streams followed at once; guacd opens one per connection (two while one replaces another). */
const MAX_HELD = 64;
/** Digits of an element's length; Guacamole's lengths are code points. */
const MAX_LENGTH_DIGITS = 9;
const HIGH_SURROGATE = /[\uD800-\uDBFF]/;

/** The filter cannot tell what it was given (not whole instructions, or more audio streams than it follows). */
export class AudioFilterError extends Error {}

/**
 * `text` cut into whole instructions (guacamole-lite hands over one at a time; a run of several is cut
 * too), or null when it is not a run of whole instructions (a part of one, a bad length).
 */
export function wholeInstructions(text: string): string[] | null {
  const out: string[] = [];
  let start = 0;
  let i = 0;
  while (i < text.length) {
    const dot = text.indexOf('.', i);
    if (dot <= i || dot - i > MAX_LENGTH_DIGITS) return null;
    const digits = text.slice(i, dot);
    if (!/^\d+$/.test(digits)) return null;
    let end = dot + 1 + Number(digits);
    // A character outside the BMP is one code point in two UTF-16 units.
    if (HIGH_SURROGATE.test(text.slice(dot + 1, end)))
      for (let j = dot + 1; j < end && end <= text.length; j++) {
        const c = text.charCodeAt(j);
        if (c >= 0xd800 && c <= 0xdbff) (end++, j++);
      }
    if (end >= text.length) return null;
    i = end + 1;
    if (text[end] === ';') {
      out.push(text.slice(start, i));
      start = i;
    } else if (text[end] !== ',') return null;
  }
  return start === text.length && out.length > 0 ? out : null;
}

export interface AudioFilter {
  /** Whole instructions from guacd (one, as guacamole-lite hands them, or several) → what may go on to the browser ('' = nothing). */
  filter(raw: string): string;
  /** Audio instructions withheld so far. */
  withheld(): number;
}

/**
 * Fails closed for a display that may not hear: an `audio` opener never passes, nor a `blob`/`end` of
 * a stream it opened; what the filter cannot read, or more open audio streams than MAX_HELD, throws
 * AudioFilterError (the display closes) rather than pass anything it could not follow.
 */
export function createAudioFilter(hears: boolean): AudioFilter {
  const held = new Set<string>(); // guacd's stream indexes of audio streams not yet ended
  let withheld = 0;
  const keep = (ins: string): boolean => {
    const op = opcodeOf(ins);
    if (op === 'audio') {
      const stream = firstArg(ins);
      if (!held.has(stream) && held.size >= MAX_HELD) throw new AudioFilterError('more sound streams than the gateway follows');
      held.add(stream);
      withheld++;
      return false;
    }
    if (held.size === 0 || (op !== 'blob' && op !== 'end')) return true;
    const stream = firstArg(ins);
    if (!held.has(stream)) return true;
    if (op === 'end') held.delete(stream); // guacd may use the index again for another stream
    withheld++;
    return false;
  };
  return {
    filter(raw) {
      if (hears) return raw;
      const all = wholeInstructions(raw);
      if (!all) throw new AudioFilterError('not whole Guacamole instructions');
      const kept = all.filter(keep);
      return kept.length === all.length ? raw : kept.join('');
    },
    withheld: () => withheld,
  };
}

/** One display's sound: guacd's parameters and the gateway's filter (docs/audio.md). */
export function displayAudio(o: { policyAudio: boolean; join: boolean; shadowSound: () => boolean; protocol: string }) {
  const hears = displayHears({ policyAudio: o.policyAudio, shadow: o.join, shadowSound: o.join && o.shadowSound() });
  const protocol = o.protocol === 'vnc' || o.protocol === 'ssh' ? o.protocol : 'rdp';
  return { hears, params: audioParams(hears, protocol, o.join), filter: createAudioFilter(hears) };
}
