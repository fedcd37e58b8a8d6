// First start: an empty store gets one admin, so there is always a way in. The password is the
// operator's (DESKPORT_ADMIN_PASSWORD via config) or a random one the CLI prints exactly once.
import { randomUUID } from 'node:crypto';
import type { AuthDeps } from './deps.ts';
import { generatePassword, hashPassword } from './passwords.ts';
import * as z from 'zod/mini';
import { Password } from '../../contract/api/auth.ts';

export async function ensureAdmin(
  deps: Omit<AuthDeps, 'access'>,
  options: { password?: string } = {},
): Promise<{ created: boolean; generatedPassword?: string }> {
  if ((await deps.store.countUsers()) > 0) return { created: false };
  if (options.password !== undefined) {
    const ok = z.safeParse(Password, options.password);
    if (!ok.success) throw new Error(`admin password ${ok.error.issues[0]?.message ?? 'is invalid'}`);
  }
  const generated = options.password === undefined ? generatePassword(20) : undefined;
  const user = {
    id: randomUUID(),
    username: 'admin',
    displayName: 'Administrator',
    roles: ['admin' as const],
    groups: [],
    disabled: false,
    passwordHash: await hashPassword(options.password ?? generated ?? ''),
    createdAt: deps.clock.now(),
  };
  try {
    await deps.store.createUser(user);
  } catch (err) {
    // Another gateway on the same database won the race; its admin is as good as ours.
    if (await deps.store.getUserByName('admin')) return { created: false };
    throw err;
  }
  await deps.audit.record({
    actor: 'system',
    action: 'user.create',
    target: user.id,
    result: 'ok',
    ip: null,
    details: { username: 'admin', roles: ['admin'], bootstrap: true },
  });
  deps.log.info({ userId: user.id }, 'created the first admin account');
  return generated === undefined ? { created: true } : { created: true, generatedPassword: generated };
}
