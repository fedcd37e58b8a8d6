// Sound through guacd, the gateway's part: who hears, guacd's audio parameters, and the filter that
// withholds guacd's audio streams (opener, blobs, end) from a display that may not hear, leaving
// every other stream alone.
import { describe, expect, it } from 'vitest';
import { AudioFilterError, audioParams, createAudioFilter, displayAudio, displayHears, firstArg, wholeInstructions } from './audio.ts';
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

describe('wholeInstructions', () => {
  it('cuts a run of whole instructions, lengths in code points', () => {
    expect(wholeInstructions(audio + blob + img)).toEqual([audio, blob, img]);
    expect(wholeInstructions(blob)).toEqual([blob]);
    // guacamole-lite's `ready` has an empty opcode; a clipboard text outside the BMP counts one per character.
    const clip = enc('blob', '5', 'a😀;,b');
    expect(clip).toBe('4.blob,1.5,5.a😀;,b;');
    expect(wholeInstructions('0.,4.$abc;' + clip + end)).toEqual(['0.,4.$abc;', clip, end]);
  });

  it('refuses what is not whole instructions', () => {
    for (const bad of [
      '',
      '5.audio,1.2',
      '5.audio,1.2,',
      audio.slice(0, -1),
      '5.audi',
      'x.audio;',
      '5.audio!1.2;',
      '9999999999.a;',
      audio + '4.blo',
    ])
      expect(wholeInstructions(bad), bad).toBeNull();
  });
});

describe('createAudioFilter, fail-closed', () => {
  it('withholds audio inside a run of several instructions, keeping the rest in order', () => {
    const f = createAudioFilter(false);
    expect(f.filter(img + audio + blob)).toBe(img);
    expect(f.filter(blob + imgBlob + blob + end + enc('end', '3'))).toBe(imgBlob + enc('end', '3'));
    expect(f.withheld()).toBe(5);
    // A run with no audio in it passes as it came.
    const run = img + imgBlob + enc('end', '3');
    expect(f.filter(run)).toBe(run);
  });

  it('follows stream index reuse: a new audio stream on an index is withheld, an image on a free one passes', () => {
    const f = createAudioFilter(false);
    for (const raw of [audio, blob, end, audio, blob]) expect(f.filter(raw)).toBe('');
    expect(f.filter(end)).toBe('');
    expect(f.filter(img.replace('1.3', '1.2'))).not.toBe('');
  });

  it('an audio instruction split across chunks is refused, not passed in parts', () => {
    const f = createAudioFilter(false);
    expect(() => f.filter(audio.slice(0, 9))).toThrow(AudioFilterError);
    expect(() => f.filter(audio.slice(9))).toThrow(AudioFilterError);
    expect(() => f.filter(img + audio.slice(0, 9))).toThrow(AudioFilterError);
  });

  it('never passes audio past MAX_HELD open streams: it throws (the display closes) instead', () => {
    const f = createAudioFilter(false);
    const opened = (i: number) => enc('audio', String(i), 'audio/L16;rate=44100,channels=2');
    for (let i = 0; i < 64; i++) expect(f.filter(opened(i))).toBe('');
    expect(() => f.filter(opened(64))).toThrow(AudioFilterError);
    expect(() => f.filter(opened(65) + enc('blob', '65', 'AAAA'))).toThrow(AudioFilterError);
    // Every held stream's blobs are still withheld; an index held again is no new stream.
    for (let i = 0; i < 64; i++) expect(f.filter(enc('blob', String(i), 'AAAA'))).toBe('');
    expect(f.filter(opened(7))).toBe('');
    // An ended stream frees a place.
    expect(f.filter(enc('end', '7'))).toBe('');
    expect(f.filter(opened(64))).toBe('');
    expect(f.filter(enc('blob', '64', 'AAAA'))).toBe('');
  });

  it('a display that hears passes runs and parts untouched (its instructions are not read)', () => {
    const f = createAudioFilter(true);
    expect(f.filter(audio + blob)).toBe(audio + blob);
    expect(f.filter(audio.slice(0, 9))).toBe(audio.slice(0, 9));
  });
});

describe('displayAudio', () => {
  it('asks about the shadow only for a join, and builds the filter that matches', () => {
    let asked = 0;
    const no = () => (asked++, false);
    expect(displayAudio({ policyAudio: true, join: false, shadowSound: no, protocol: 'rdp' }).hears).toBe(true);
    expect(asked).toBe(0);
    const join = displayAudio({ policyAudio: true, join: true, shadowSound: no, protocol: 'abc123' });
    expect([join.hears, asked, join.params]).toEqual([false, 1, { audio: [] }]);
    expect(join.filter.filter(audio + img)).toBe(img);
    expect(displayAudio({ policyAudio: false, join: false, shadowSound: no, protocol: 'vnc' }).params).toEqual({ audio: [] });
  });
});
