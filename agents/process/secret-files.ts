// The two credential files a process desktop needs, encoded here so no shell or helper tool sees the
// secret: the VNC password file (`vncpasswd -f` format) and the X authority file (MIT cookie).
import { createCipheriv, randomBytes } from 'node:crypto';

// VNC's fixed obfuscation key {23,82,107,6,35,78,88,7}, with each byte's bits reversed: VNC's DES
// code reverses key bits, standard DES does not.
const VNC_OBFUSCATION_KEY = Buffer.from([23, 82, 107, 6, 35, 78, 88, 7].map(reverseBits));

function reverseBits(b: number): number {
  let r = 0;
  for (let i = 0; i < 8; i++) r |= ((b >> i) & 1) << (7 - i);
  return r;
}

/** The 8 bytes Xvnc's -PasswordFile holds: the password's first 8 bytes, zero-padded, DES-encrypted
 *  with the fixed key. OpenSSL 3 refuses plain `des-ecb`; 3DES with the key thrice is single DES. */
export function vncPasswordFile(secret: string): Buffer {
  const plain = Buffer.alloc(8);
  Buffer.from(secret, 'utf8').copy(plain, 0, 0, 8);
  const key = Buffer.concat([VNC_OBFUSCATION_KEY, VNC_OBFUSCATION_KEY, VNC_OBFUSCATION_KEY]);
  const cipher = createCipheriv('des-ede3-ecb', key, null).setAutoPadding(false);
  return Buffer.concat([cipher.update(plain), cipher.final()]);
}

const FAMILY_WILD = 0xffff; // matches any host name, so a sandbox with its own hostname still finds it

/** An X authority file with one MIT-MAGIC-COOKIE-1 entry for display :N (the format `xauth` writes). */
export function xauthorityFile(display: number, cookie: Buffer = randomBytes(16)): Buffer {
  const counted = (b: Buffer): Buffer => {
    const len = Buffer.alloc(2);
    len.writeUInt16BE(b.length);
    return Buffer.concat([len, b]);
  };
  const family = Buffer.alloc(2);
  family.writeUInt16BE(FAMILY_WILD);
  return Buffer.concat([
    family,
    counted(Buffer.alloc(0)),
    counted(Buffer.from(String(display))),
    counted(Buffer.from('MIT-MAGIC-COOKIE-1')),
    counted(cookie),
  ]);
}
