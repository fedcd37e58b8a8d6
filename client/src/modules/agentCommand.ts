// The one command an admin runs on a new host to enroll its agent (API.md "Command line").

/** Quotes a value for a POSIX shell when it needs it. */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9._@%+=:,/-]+$/.test(s) ? s : `'${s.replaceAll("'", `'\\''`)}'`;
}

/** The drivers an agent runs; `process` is the agent's default, so its command leaves --driver out. */
export type AgentDriver = 'process' | 'docker' | 'qemu';

export function agentCommand(origin: string, token: string, name: string, driver: AgentDriver = 'process'): string {
  const base = `bin/deskport agent --gateway ${shellQuote(origin)} --enroll ${shellQuote(token)} --name ${shellQuote(name)}`;
  return driver === 'process' ? base : `${base} --driver ${driver}`;
}
