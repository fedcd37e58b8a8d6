// The vault keeps machine secrets confidential and intact at rest, and lets its key rotate.
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createVault, KEY_FILE, keyId, loadVaultKeys, rotateVault, VaultError } from './vault.ts';

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'deskport-vault-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('vault', () => {
  const key = randomBytes(32);

  it('opens what it sealed, and the sealed text names version and key but not the secret', () => {
    const v = createVault(key);
    const sealed = v.seal('hunter2-päss', 'machine:m_1:password');
    expect(sealed).toMatch(new RegExp(`^v1:${keyId(key)}:`));
    expect(sealed).not.toContain('hunter2');
    expect(v.open(sealed, 'machine:m_1:password')).toBe('hunter2-päss');
    expect(v.seal('x', 'a')).not.toBe(v.seal('x', 'a')); // fresh IV each time
  });

  it('detects a flipped bit anywhere in the ciphertext', () => {
    const v = createVault(key);
    const sealed = v.seal('secret', 'a');
    const [ver, id, body] = sealed.split(':') as [string, string, string];
    const raw = Buffer.from(body, 'base64url');
    for (const i of [0, 12, 20, raw.length - 1]) {
      const bad = Buffer.from(raw);
      bad[i]! ^= 1;
      expect(() => v.open(`${ver}:${id}:${bad.toString('base64url')}`, 'a')).toThrow(VaultError);
    }
    expect(() => v.open(`${ver}:${id}:${raw.subarray(0, 20).toString('base64url')}`, 'a')).toThrow(/truncated/);
  });

  it('refuses a value moved to another record (associated data)', () => {
    const v = createVault(key);
    expect(() => v.open(v.seal('s', 'machine:m_1:password'), 'machine:m_2:password')).toThrow(/another record/);
  });

  it('refuses a value sealed by a key it does not hold, without showing the secret or the key', () => {
    const other = createVault(randomBytes(32));
    const sealed = other.seal('topsecret', 'a');
    let err: Error | undefined;
    try {
      createVault(key).open(sealed, 'a');
    } catch (e) {
      err = e as Error;
    }
    expect(err).toBeInstanceOf(VaultError);
    expect(err!.message).toContain(other.keyId);
    expect(err!.message).not.toContain('topsecret');
    expect(err!.message).not.toContain(key.toString('base64'));
    // A wrong key with the same id cannot exist; a forged id is just "not held".
    expect(() => createVault(key).open(sealed.replace(other.keyId, keyId(key)), 'a')).toThrow(/does not authenticate/);
  });

  it('opens with an older key while sealing with the new one', () => {
    const old = createVault(key);
    const next = randomBytes(32);
    const both = createVault(next, [key]);
    expect(both.open(old.seal('s', 'a'), 'a')).toBe('s');
    expect(both.keyOf(both.seal('s', 'a'))).toBe(keyId(next));
  });

  it('creates vault.key 0600 at first start and reads it back; refuses one others can read', () => {
    const dir = tmp();
    const first = loadVaultKeys(dir);
    expect(first.created).toBe(join(dir, KEY_FILE));
    expect(statSync(join(dir, KEY_FILE)).mode & 0o777).toBe(0o600);
    const again = loadVaultKeys(dir);
    expect(again.created).toBeUndefined();
    expect(again.primary.equals(first.primary)).toBe(true);
    chmodSync(join(dir, KEY_FILE), 0o644);
    expect(() => loadVaultKeys(dir)).toThrow(/chmod 600/);
  });

  it('takes DESKPORT_VAULT_KEY over the file and refuses a key of the wrong size', () => {
    const dir = tmp();
    const k = loadVaultKeys(dir, key.toString('base64'));
    expect(k.source).toBe('env');
    expect(k.primary.equals(key)).toBe(true);
    expect(existsSync(join(dir, KEY_FILE))).toBe(false);
    expect(() => loadVaultKeys(dir, randomBytes(16).toString('base64'))).toThrow(/32 random bytes/);
  });

  it('rotation re-seals every value with a new key file and keeps the old key as .previous', async () => {
    const dir = tmp();
    const v1 = createVault(loadVaultKeys(dir).primary);
    const rows = [
      { aad: 'machine:m_1:password', sealed: v1.seal('one', 'machine:m_1:password') },
      { aad: 'machine:m_2:privateKey', sealed: v1.seal('two', 'machine:m_2:privateKey') },
    ];
    const r = await rotateVault(
      { dataDir: dir },
      {
        async rewrite(reseal) {
          for (const row of rows) row.sealed = reseal(row.sealed, row.aad);
          return rows.length;
        },
      },
    );
    expect(r.rewritten).toBe(2);
    expect(r.from).toBe(v1.keyId);
    expect(r.to).not.toBe(v1.keyId);
    expect(existsSync(join(dir, `${KEY_FILE}.next`))).toBe(false);
    expect(statSync(join(dir, KEY_FILE)).mode & 0o777).toBe(0o600);
    const keys = loadVaultKeys(dir);
    expect(keyId(keys.primary)).toBe(r.to);
    expect(keys.older.map(keyId)).toEqual([r.from]);
    const v2 = createVault(keys.primary); // the new key alone opens every value
    expect(rows.map((x) => v2.open(x.sealed, x.aad))).toEqual(['one', 'two']);
    expect(rows.every((x) => v2.keyOf(x.sealed) === r.to)).toBe(true);
  });

  it('a rotation that fails halfway changes no key file and leaves every value readable', async () => {
    const dir = tmp();
    const v1 = createVault(loadVaultKeys(dir).primary);
    const before = readFileSync(join(dir, KEY_FILE), 'utf8');
    const sealed = v1.seal('one', 'x');
    await expect(
      rotateVault(
        { dataDir: dir },
        {
          async rewrite(reseal) {
            reseal(sealed, 'x');
            throw new Error('disk full');
          },
        },
      ),
    ).rejects.toThrow('disk full');
    expect(readFileSync(join(dir, KEY_FILE), 'utf8')).toBe(before);
    const keys = loadVaultKeys(dir); // the leftover .next is only for opening
    expect(createVault(keys.primary, keys.older).open(sealed, 'x')).toBe('one');
  });

  it('rotation with DESKPORT_VAULT_KEY needs the new key in DESKPORT_VAULT_NEW_KEY', async () => {
    const dir = tmp();
    const store = { rewrite: async () => 0 };
    await expect(rotateVault({ dataDir: dir, envKey: key.toString('base64') }, store)).rejects.toThrow(/DESKPORT_VAULT_NEW_KEY/);
    const next = randomBytes(32);
    const r = await rotateVault({ dataDir: dir, envKey: key.toString('base64'), newEnvKey: next.toString('base64') }, store);
    expect(r.to).toBe(keyId(next));
    expect(existsSync(join(dir, KEY_FILE))).toBe(false);
  });

  it('refuses to rotate where no key exists yet, leaving no file behind', async () => {
    const dir = tmp();
    await expect(rotateVault({ dataDir: dir }, { rewrite: async () => 0 })).rejects.toThrow(/nothing to rotate/);
    expect(existsSync(join(dir, KEY_FILE))).toBe(false);
  });
});
