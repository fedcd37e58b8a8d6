// Sound through guacd, the gateway's part: who hears, guacd's audio parameters, and the filter that
// withholds guacd's audio streams (opener, blobs, end) from a display that may not hear, leaving
// every other stream alone.
import { describe, expect, it } from 'vitest';
import { audioParams, createAudioFilter, displayHears, firstArg } from './audio.ts';
import { encodeInstruction as enc } from './instructions.ts';

describe('displayHears', () => {
  it('needs the policy, and for a helpdesk join the owner’s shared sound', () => {
    expect(displayHears({ policyAudio: true, shadow: false, shadowSound: false })).toBe(true);
    expect(displayHears({ policyAudio: false, shadow: false, shadowSound: false })).toBe(false);
    expect(displayHears({ policyAudio: true, shadow: true, shadowSound: false })).toBe(false);
    expect(displayHears({ policyAudio: true, shadow: true, shadowSound: true })).toBe(true);
    expect(displayHears({ policyAudio: false, shadow: true, shadowSound: true })).toBe(false);
  });
});

describe('audioParams', () => {
  it('offers raw PCM only when the display hears, and turns RDP sound off in guacd otherwise', () => {
    expect(audioParams(true, 'rdp', false)).toEqual({ audio: ['audio/L16'] });
    expect(audioParams(false, 'rdp', false)).toEqual({ audio: [], 'disable-audio': 'true' });
    expect(audioParams(false, 'vnc', false)).toEqual({ audio: [] });
    // A join takes no connection parameters, only its handshake's mimetypes.
    expect(audioParams(false, 'rdp', true)).toEqual({ audio: [] });
  });
});

describe('firstArg', () => {
  it('reads the stream index without parsing the rest', () => {
    expect(firstArg(enc('audio', '12', 'audio/L16;rate=44100,channels=2'))).toBe('12');
    expect(firstArg(enc('blob', '3', 'AAAA'))).toBe('3');
    expect(firstArg(enc('sync', '123456789'))).toBe('123456789');
    expect(firstArg(enc('nop'))).toBe('');
    expect(firstArg('4.blob,x.1;')).toBe('');
  });
});

const audio = enc('audio', '2', 'audio/L16;rate=44100,channels=2');
const blob = enc('blob', '2', 'AAAAAA==');
const end = enc('end', '2');
const img = enc('img', '3', '14', '0', 'image/png', '0', '0');
const imgBlob = enc('blob', '3', 'iVBORw0KGgo=');

describe('createAudioFilter', () => {
  it('withholds audio streams whole from a display that may not hear, and nothing else', () => {
    const f = createAudioFilter(false);
    const out = [audio, img, blob, imgBlob, blob, enc('end', '3'), end].map((raw) => f.filter(raw));
    expect(out).toEqual(['', img, '', imgBlob, '', enc('end', '3'), '']);
    expect(f.withheld()).toBe(4);
    // The index is free again after its end: an image on it passes.
    expect(f.filter(enc('img', '2', '14', '0', 'image/png', '0', '0'))).not.toBe('');
    expect(f.filter(enc('blob', '2', 'iVBORw0KGgo='))).not.toBe('');
  });

  it('passes everything to a display that hears', () => {
    const f = createAudioFilter(true);
    for (const raw of [audio, blob, end]) expect(f.filter(raw)).toBe(raw);
    expect(f.withheld()).toBe(0);
  });
});
