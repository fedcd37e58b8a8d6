// The one shape the viewer's file panel talks to, whatever carries the bytes: the gateway's file
// API for desktops Deskport runs (VNC and RDP desktops, through the agent), or guacd's drive
// redirection / SFTP for existing RDP and SSH machines. Paths are relative to the desktop's home
// ('' is the home itself), '/'-separated, never absolute and never containing '..'.

export interface RemoteEntry {
  name: string;
  kind: 'file' | 'dir';
  /** Bytes; 0 for directories, -1 when the source does not know (guacd's listings). */
  size: number;
  /** Epoch milliseconds; 0 when unknown. */
  modifiedAt: number;
}

/** What the session's policy allows, as the gateway reported it (the gateway enforces it again). */
export interface FilePolicy {
  upload: boolean;
  download: boolean;
  maxBytes: number;
}

/** What the desktop made of an upload. */
export interface Stored {
  name: string;
}

export interface FileSource {
  readonly policy: FilePolicy;
  /** The folder the panel opens first (e.g. 'Downloads' when it exists). */
  readonly startPath: string;
  list(path: string, signal?: AbortSignal): Promise<RemoteEntry[]>;
  /**
   * Writes `file` into folder `path`; resolves, when the desktop has the whole file, with the name it
   * was stored under (another after a clash: "report (1).pdf"). Rejects with an Error whose message
   * says what to do; a cancel rejects with an AbortError whose message says what was left behind.
   */
  upload(path: string, file: File, onProgress: (loaded: number) => void, signal: AbortSignal): Promise<Stored>;
  /** Fetches `path`/`name` and hands it to the browser as a download (saved to disk as it comes). */
  download(path: string, name: string, onProgress: (loaded: number, total: number) => void, signal: AbortSignal): Promise<void>;
}
