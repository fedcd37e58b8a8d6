// The one command an admin runs on a new host to enroll its agent (API.md "Command line").

/** Quotes a value for a POSIX shell when it needs it. */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9._@%+=:,/-]+$/.test(s) ? s : `'${s.replaceAll("'", `'\\''`)}'`;
}

export function agentCommand(origin: string, token: string, name: string): string {
  return `bin/deskport agent --gateway ${shellQuote(origin)} --enroll ${shellQuote(token)} --name ${shellQuote(name)}`;
}
