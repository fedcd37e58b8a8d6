// Tells a permanent refusal of this agent by the gateway (the agent stops, exit code 2, one line
// saying what to do) from passing trouble (network errors, 5xx: retried with backoff). Pure: the
// agent hands it the refused upgrade's answer or the control socket's close. docs/agent-protocol.md.
import { CloseCode, RefusalCode } from '../contract/agent-v1.ts';

export interface Refusal {
  /** The gateway's error code, or ours when an older gateway gave none. */
  code: string;
  /** One line for the operator: what was refused and what to do about it. */
  message: string;
}

/** What the agent presented: an enrollment token, or the host credential kept in this file. */
export interface Presented {
  enrolling: boolean;
  credentialFile: string;
}

const NEW_TOKEN = 'get a new one from Admin → Hosts → Add a host';
const reenroll = (file: string) => `delete ${file} and start the agent again with --enroll and a new token from Admin → Hosts → Add a host`;
/** The upgrade's body is the gateway's (or a proxy's): read a known code from it, never echo it. */
const MAX_BODY_CHARS = 4096;

function errorCode(body: string): string | undefined {
  try {
    const code = (JSON.parse(body.slice(0, MAX_BODY_CHARS)) as { error?: { code?: unknown } }).error?.code;
    return typeof code === 'string' ? code : undefined;
  } catch {
    return undefined;
  }
}

/** A refused WebSocket upgrade of /agent/v1/connect: a refusal, or null to retry. */
export function refusalOfUpgrade(status: number, body: string, p: Presented): Refusal | null {
  // 401/403 come from the credential check (or a proxy's access control): retrying cannot change
  // them. Other 4xx (404 or 429 from a proxy during a deploy) and 5xx may pass.
  if (status !== 401 && status !== 403) return null;
  const code = errorCode(body);
  switch (code) {
    case RefusalCode.TokenUsed:
      return { code, message: `the gateway refused the enrollment token (already used): ${NEW_TOKEN}` };
    case RefusalCode.TokenExpired:
      return { code, message: `the gateway refused the enrollment token (expired; tokens are valid for 1 hour): ${NEW_TOKEN}` };
    case RefusalCode.TokenUnknown:
      return { code, message: `the gateway refused the enrollment token (unknown to this gateway): check --gateway, or ${NEW_TOKEN}` };
    case RefusalCode.CredentialUnknown:
      return {
        code,
        message: `the gateway refused this host's credential (the host was removed from the gateway): ${reenroll(p.credentialFile)}`,
      };
    case RefusalCode.NoCredentials:
      return {
        code,
        message: `the gateway got neither an enrollment token nor a host credential: start the agent with --enroll TOKEN (${NEW_TOKEN.replace('get a new one', 'get one')})`,
      };
  }
  // An older gateway answers a bare 401: what was presented says which secret it refused.
  return p.enrolling
    ? {
        code: 'enrollment_token_refused',
        message: `the gateway refused the enrollment token (HTTP ${status}: used, expired or unknown): ${NEW_TOKEN}`,
      }
    : {
        code: 'host_credential_refused',
        message: `the gateway refused this host's credential (HTTP ${status}; was the host removed?): ${reenroll(p.credentialFile)}`,
      };
}

/** The control socket closed: a refusal (the host was removed while connected), or null to reconnect. */
export function refusalOfClose(code: number, reason: string, p: Presented): Refusal | null {
  if (code !== CloseCode.HostRemoved && code !== CloseCode.Unauthorized) return null;
  // One line whatever the peer put in the reason (≤ 123 bytes by the WebSocket spec).
  const why = reason.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim() || 'no reason given';
  return { code: 'host_removed', message: `the gateway removed this host (${why}): ${reenroll(p.credentialFile)}` };
}

/** Before dialling at all: nothing to present is as final as a refusal. */
export function nothingToPresent(p: Presented): Refusal {
  return {
    code: RefusalCode.NoCredentials,
    message: `no enrollment token and no host credential in ${p.credentialFile}: start the agent with --enroll TOKEN (get one from Admin → Hosts → Add a host)`,
  };
}
