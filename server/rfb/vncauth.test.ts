// VncAuth DES: checked against vectors from independent implementations (TigerVNC's vncpasswd, FIPS).
import { describe, expect, it } from 'vitest';
import { vncAuthResponse, vncDesEncrypt, vncPasswordKey } from './vncauth.ts';

// vncpasswd obfuscates a password with VNC-DES under this fixed key; `echo password | vncpasswd -f`
// prints dbd83cfd727a1458, so the same transform here proves key bit-reversal and DES together.
const VNCPASSWD_FIXED_KEY = Uint8Array.from([23, 82, 107, 6, 35, 78, 88, 7]);

function reverseEach(bytes: number[]): Uint8Array {
  return Uint8Array.from(bytes, (b) => parseInt(b.toString(2).padStart(8, '0').split('').reverse().join(''), 2));
}

describe('VNC DES', () => {
  it('matches vncpasswd -f for "password"', () => {
    expect(vncDesEncrypt(VNCPASSWD_FIXED_KEY, Buffer.from('password')).toString('hex')).toBe('dbd83cfd727a1458');
  });

  it('is single DES once the key bits are reversed (FIPS 81 vector)', () => {
    // Key 0123456789abcdef, "Now is t" -> 3fa40e8a984d4815. Pre-reverse so VNC's reversal undoes it.
    const key = reverseEach([0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef]);
    expect(vncDesEncrypt(key, Buffer.from('Now is t')).toString('hex')).toBe('3fa40e8a984d4815');
  });

  it('rejects malformed keys and data', () => {
    expect(() => vncDesEncrypt(new Uint8Array(7), new Uint8Array(8))).toThrow(RangeError);
    expect(() => vncDesEncrypt(new Uint8Array(8), new Uint8Array(9))).toThrow(RangeError);
  });
});

describe('vncAuthResponse', () => {
  it('encrypts both halves of the challenge with the password key', () => {
    const password = String.fromCharCode(...VNCPASSWD_FIXED_KEY);
    const response = vncAuthResponse(Buffer.from('passwordpassword'), password);
    expect(response.toString('hex')).toBe('dbd83cfd727a1458dbd83cfd727a1458');
  });

  it('uses only the first 8 bytes of the password, zero-padded', () => {
    expect(vncPasswordKey('abc')).toEqual(Buffer.from([0x61, 0x62, 0x63, 0, 0, 0, 0, 0]));
    expect(vncPasswordKey('0123456789')).toEqual(Buffer.from('01234567'));
    const challenge = Buffer.alloc(16, 7);
    expect(vncAuthResponse(challenge, '0123456789')).toEqual(vncAuthResponse(challenge, '01234567'));
  });

  it('requires a 16-byte challenge', () => {
    expect(() => vncAuthResponse(new Uint8Array(15), 'x')).toThrow(RangeError);
  });
});
