// The secret vault: AES-256-GCM for credentials stored at rest (existing machines' passwords and
// keys). A sealed value names its format version and the id of the key that sealed it, so a key
// can be rotated (`bin/deskport vault rotate`) while old values stay readable until rewritten.
// Each value is bound to where it is stored (`aad`, e.g. "machine:m_1:password"): a sealed value
// copied into another row does not open there. Errors never carry the secret or the key.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;
/** v1:<key id: 16 hex>:<base64url(iv | tag | ciphertext)> */
const SEALED = /^v1:([0-9a-f]{16}):([A-Za-z0-9_-]+)$/;

/** The key file in the gateway's data directory; `.next` while a rotation runs, `.previous` after. */
export const KEY_FILE = 'vault.key';

export class VaultError extends Error {
  override readonly name = 'VaultError';
}

export interface Vault {
  /** The id of the key new values are sealed with. */
  readonly keyId: string;
  seal(plaintext: string, aad: string): string;
  /** Throws VaultError when the value was tampered with, sealed for another place, or by a key this vault does not hold. */
  open(sealed: string, aad: string): string;
  /** The key id a sealed value names (null when it is not a sealed value). */
  keyOf(sealed: string): string | null;
}

export const keyId = (key: Buffer): string => createHash('sha256').update('deskport-vault').update(key).digest('hex').slice(0, 16);

/** A vault sealing with `primary` and opening with it or any of `older` (keys being rotated out). */
export function createVault(primary: Buffer, older: Buffer[] = []): Vault {
  for (const k of [primary, ...older]) if (k.length !== KEY_BYTES) throw new VaultError(`a vault key must be ${KEY_BYTES} bytes`);
  const keys = new Map<string, Buffer>();
  for (const k of [primary, ...older]) keys.set(keyId(k), k);
  const id = keyId(primary);
  return {
    keyId: id,
    seal(plaintext, aad) {
      const iv = randomBytes(IV_BYTES);
      const c = createCipheriv('aes-256-gcm', primary, iv);
      c.setAAD(Buffer.from(aad, 'utf8'));
      const body = Buffer.concat([c.update(plaintext, 'utf8'), c.final()]);
      return `${VERSION}:${id}:${Buffer.concat([iv, c.getAuthTag(), body]).toString('base64url')}`;
    },
    open(sealed, aad) {
      const m = SEALED.exec(sealed);
      if (!m) throw new VaultError('not a sealed value (unknown format or version)');
      const key = keys.get(m[1]!);
      if (!key) throw new VaultError(`sealed with key ${m[1]}, which this gateway does not hold (see README "Vault key")`);
      const raw = Buffer.from(m[2]!, 'base64url');
      if (raw.length < IV_BYTES + TAG_BYTES) throw new VaultError('sealed value is truncated');
      const d = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES));
      d.setAAD(Buffer.from(aad, 'utf8'));
      d.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      try {
        return Buffer.concat([d.update(raw.subarray(IV_BYTES + TAG_BYTES)), d.final()]).toString('utf8');
      } catch {
        throw new VaultError('sealed value does not authenticate (tampered with, or stored for another record)');
      }
    },
    keyOf: (sealed) => SEALED.exec(sealed)?.[1] ?? null,
  };
}

/** Decodes DESKPORT_VAULT_KEY (base64 of 32 bytes). */
export function parseKey(base64: string, where: string): Buffer {
  const key = Buffer.from(base64.trim(), 'base64');
  if (key.length !== KEY_BYTES || !/^[A-Za-z0-9+/=_-]+$/.test(base64.trim()))
    throw new VaultError(`${where} must be ${KEY_BYTES} random bytes in base64 (e.g. from: openssl rand -base64 32)`);
  return key;
}

function readKeyFile(file: string): Buffer {
  const mode = statSync(file).mode & 0o777;
  if (mode & 0o077) throw new VaultError(`${file} is readable by others (mode ${mode.toString(8)}); run: chmod 600 ${file}`);
  return parseKey(readFileSync(file, 'utf8'), file);
}

/** Writes a fresh random key to `file` (0600, never over an existing file). */
export function writeNewKey(file: string): Buffer {
  const key = randomBytes(KEY_BYTES);
  writeFileSync(file, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return key;
}

export interface VaultKeys {
  primary: Buffer;
  older: Buffer[];
  source: 'env' | 'file';
  /** Set when the key file was created by this call (first start). */
  created?: string;
}

/**
 * The gateway's keys: DESKPORT_VAULT_KEY when given, else <dataDir>/vault.key (created 0600 at first
 * start). `vault.key.previous` and a leftover `vault.key.next` (an interrupted rotation) are kept
 * for opening only, so no value becomes unreadable halfway through a rotation.
 */
export function loadVaultKeys(dataDir: string, envKey?: string): VaultKeys {
  const file = join(dataDir, KEY_FILE);
  const older = [`${file}.previous`, `${file}.next`].filter((f) => existsSync(f)).map(readKeyFile);
  if (envKey) return { primary: parseKey(envKey, 'DESKPORT_VAULT_KEY'), older, source: 'env' };
  if (existsSync(file)) return { primary: readKeyFile(file), older, source: 'file' };
  return { primary: writeNewKey(file), older, source: 'file', created: file };
}

export interface Rotation {
  /** Re-seals every stored secret with `vault` (the new key) in one transaction; returns how many. */
  rewrite(reseal: (sealed: string, aad: string) => string): Promise<number>;
}

/**
 * Rotation with the key file: writes vault.key.next, re-seals every secret with it (one store
 * transaction), then vault.key → vault.key.previous and vault.key.next → vault.key. A crash at any
 * point leaves every value readable (the loader opens with all three files). With DESKPORT_VAULT_KEY
 * the new key comes from `newEnvKey` and the operator swaps the variable afterwards.
 */
export async function rotateVault(
  o: { dataDir: string; envKey?: string; newEnvKey?: string },
  store: Rotation,
): Promise<{ rewritten: number; from: string; to: string }> {
  const file = join(o.dataDir, KEY_FILE);
  const current = loadVaultKeys(o.dataDir, o.envKey);
  if (current.created) {
    unlinkSync(current.created); // nothing was ever sealed: leave the directory as it was
    throw new VaultError(`no vault key in ${o.dataDir} (and DESKPORT_VAULT_KEY is not set): nothing to rotate`);
  }
  let next: Buffer;
  if (current.source === 'env') {
    if (!o.newEnvKey) throw new VaultError('the key comes from DESKPORT_VAULT_KEY: give the new one in DESKPORT_VAULT_NEW_KEY');
    next = parseKey(o.newEnvKey, 'DESKPORT_VAULT_NEW_KEY');
  } else {
    if (existsSync(`${file}.next`)) unlinkSync(`${file}.next`); // an earlier rotation stopped before sealing anything with it
    next = writeNewKey(`${file}.next`);
  }
  const reader = createVault(current.primary, current.older);
  const writer = createVault(next);
  const rewritten = await store.rewrite((sealed, aad) => writer.seal(reader.open(sealed, aad), aad));
  if (current.source === 'file') {
    renameSync(file, `${file}.previous`);
    renameSync(`${file}.next`, file);
  }
  return { rewritten, from: keyId(current.primary), to: writer.keyId };
}
