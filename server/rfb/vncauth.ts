// VNC Authentication (RFC 6143 §7.2.2): the response to the server's 16-byte challenge is the
// challenge DES-encrypted (ECB) with the password as key, each key byte's bits reversed.
import { createCipheriv } from 'node:crypto';
import { VNC_AUTH_CHALLENGE_LENGTH } from './constants.ts';

const DES_KEY_LENGTH = 8;

function reverseBits(byte: number): number {
  let out = 0;
  for (let i = 0; i < 8; i++) out |= ((byte >> i) & 1) << (7 - i);
  return out;
}

/** The password as VNC uses it: its first 8 bytes (UTF-8), zero-padded. Longer passwords are cut. */
export function vncPasswordKey(password: string): Buffer {
  const key = Buffer.alloc(DES_KEY_LENGTH);
  Buffer.from(password, 'utf8').copy(key, 0, 0, DES_KEY_LENGTH);
  return key;
}

/**
 * DES-ECB with VNC's key convention (bits of each key byte reversed). `data` must be a multiple of 8.
 * OpenSSL 3 keeps single DES in the legacy provider that Node does not load, so this runs 3DES-EDE
 * with the key repeated three times: E(k, D(k, E(k, x))) = E(k, x), i.e. single DES.
 */
export function vncDesEncrypt(key: Uint8Array, data: Uint8Array): Buffer {
  if (key.length !== DES_KEY_LENGTH) throw new RangeError('VNC DES key must be 8 bytes');
  if (data.length % DES_KEY_LENGTH !== 0) throw new RangeError('VNC DES data must be a multiple of 8 bytes');
  const k = Buffer.from(Array.from(key, reverseBits));
  const cipher = createCipheriv('des-ede3-ecb', Buffer.concat([k, k, k]), null);
  cipher.setAutoPadding(false);
  return Buffer.concat([cipher.update(data), cipher.final()]);
}

/** The 16-byte answer to a VncAuth challenge. */
export function vncAuthResponse(challenge: Uint8Array, password: string): Buffer {
  if (challenge.length !== VNC_AUTH_CHALLENGE_LENGTH) throw new RangeError('VncAuth challenge must be 16 bytes');
  return vncDesEncrypt(vncPasswordKey(password), challenge);
}
