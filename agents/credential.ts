// The host credential an agent got at enrollment, kept 0600 in its state dir (docs/agent-protocol.md).
import { readFileSync } from 'node:fs';

export interface Credential {
  hostId: string;
  credential: string;
}
export const CREDENTIAL_FILE = 'agent-credential.json'; // in the state dir: the credential got at enrollment

export function readCredential(file: string): Credential | null {
  try {
    const c = JSON.parse(readFileSync(file, 'utf8')) as Credential;
    return typeof c.hostId === 'string' && typeof c.credential === 'string' ? c : null;
  } catch {
    return null;
  }
}
