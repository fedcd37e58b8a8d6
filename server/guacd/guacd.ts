// What the rest of the gateway knows of guacd (Apache Guacamole's proxy, for RDP/SSH displays):
// where it listens now and whether it is usable. Supervised by the gateway (supervisor.ts) when
// installed, or external (`--guacd HOST:PORT`, external.ts), or absent (RDP/SSH pools then say so;
// VNC works). create.ts picks one from the configuration.

export type GuacdState =
  /** No guacd binary found and none configured: RDP/SSH cannot work until one is installed. */
  | 'absent'
  /** Running (supervised) or reachable (external). */
  | 'up'
  /** Configured or installed, but not answering right now (crashed and restarting, or unreachable). */
  | 'down';

export interface GuacdStatus {
  state: GuacdState;
  /** 'supervised' (started by this gateway) or 'external' (--guacd HOST:PORT); null when absent. */
  mode: 'supervised' | 'external' | null;
  /** One line for people: what is wrong and what to do ("RDP needs guacd: …"), or null when up. */
  problem: string | null;
  /** Supervised: how often guacd was started again after it ended (for /metrics). */
  restarts?: number;
  /** Supervised: the pid of guacd's main process while it runs. */
  pid?: number | null;
}

export interface Guacd {
  /** Where guacd listens now, or null while it is absent or down. */
  endpoint(): { host: string; port: number } | null;
  status(): GuacdStatus;
  /** Calls `fn` after every change of status() (state, pid or problem); returns the unsubscribe. */
  onChange?(fn: (s: GuacdStatus) => void): () => void;
  close(): Promise<void>;
}

/** A Guacd that is never there (tests and gateways started without RDP support, `--no-guacd`). */
export const NO_GUACD: Guacd = {
  endpoint: () => null,
  status: () => ({
    state: 'absent',
    mode: null,
    problem: 'RDP needs guacd: this gateway was started without it (--no-guacd); restart it without that flag, or with --guacd HOST:PORT.',
  }),
  close: async () => {},
};
