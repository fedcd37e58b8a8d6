// The "Enter your credentials" dialog's model: what the person types for a machine that asks each
// person for their own login → the body of PUT /machines/:id/credentials (contract MyCredentialsBody).
import { MyCredentialsBody } from '../../../contract/api/machines.ts';
import type { MachineProtocol } from '../../../contract/ids.ts';

export interface CredentialsDraft {
  username: string;
  /** SSH only: sign in with a private key instead of a password. */
  useKey: boolean;
  password: string;
  privateKey: string;
}

export const EMPTY_CREDENTIALS: CredentialsDraft = { username: '', useKey: false, password: '', privateKey: '' };

export type CredentialsResult =
  { ok: true; body: MyCredentialsBody } | { ok: false; errors: Partial<Record<keyof CredentialsDraft, string>> };

export function credentialsBody(protocol: MachineProtocol, d: CredentialsDraft): CredentialsResult {
  const errors: Partial<Record<keyof CredentialsDraft, string>> = {};
  const username = d.username.trim();
  if (username === '') errors.username = 'enter your username on this machine';
  const key = protocol === 'ssh' && d.useKey;
  const body: MyCredentialsBody = key ? { username, privateKey: d.privateKey.trim() + '\n' } : { username, password: d.password };
  if (key && !/^-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(d.privateKey.trim())) {
    errors.privateKey = /^(ssh-|ecdsa-)/.test(d.privateKey.trim())
      ? 'this is a public key; paste the private key (it starts with -----BEGIN)'
      : 'paste an OpenSSH or PEM private key';
  }
  if (!key && d.password === '') errors.password = 'enter your password';
  const checked = MyCredentialsBody.safeParse(body);
  if (!checked.success) for (const issue of checked.error.issues) errors[String(issue.path[0]) as keyof CredentialsDraft] ??= issue.message;
  return Object.keys(errors).length > 0 ? { ok: false, errors } : { ok: true, body };
}
