// A FileSource (source.ts) over guacd's filesystem objects, for existing machines: an RDP machine's
// redirected drive "Deskport" or an SSH machine's SFTP. guacamole-common-js announces the filesystem
// (client.onfilesystem); a listing is a stream-index JSON body, a download a body read as a Blob, an
// upload an output stream written by a BlobWriter that advances on guacd's acks (so progress is what
// the machine has taken). The gateway enforces the policy again and says so with a `deskport-refused`
// instruction (server/guac/stream-policy.ts), which guacamole-common-js would otherwise ignore.
import * as GuacamoleModule from 'guacamole-common-js';
import type { FilePolicy, FileSource, RemoteEntry } from './source.ts';

const Guacamole = (GuacamoleModule as unknown as { default: typeof GuacamoleModule }).default;
type GObject = GuacamoleModule.Object;
type GInputStream = GuacamoleModule.InputStream;

/** The gateway's refusal of a stream it cut or would not open (server/guac/stream-policy.ts REFUSED_OPCODE). */
export const REFUSED_OPCODE = 'deskport-refused';
/** The browser's cancel of an upload, and the gateway's answer (stream-policy.ts CANCEL_OPCODE, PARTIAL_OPCODE). */
export const CANCEL_OPCODE = 'deskport-cancel';
export const PARTIAL_OPCODE = 'deskport-partial';
/** guacd answers a request for a path that does not exist with nothing at all: give up after this. */
const BODY_TIMEOUT_MS = 15_000;
/** An upload whose chunks guacd stops acknowledging for this long is given up (the connection is gone). */
const ACK_TIMEOUT_MS = 30_000;
/** How long a cancel waits for the gateway to say what became of the partial file. */
const PARTIAL_TIMEOUT_MS = 3_000;
const STATUS_SUCCESS = 0x0000;
const STATUS_UNSUPPORTED = 0x0100;

/** Listens for the gateway's refusals of input streams, by stream index (one per client). */
export function watchRefusals(tunnel: GuacamoleModule.Tunnel) {
  const waiting = new Map<number, (reason: string) => void>();
  const partials = new Map<number, (removed: boolean) => void>();
  const inner = tunnel.oninstruction;
  tunnel.oninstruction = (opcode, args) => {
    if (opcode === PARTIAL_OPCODE) {
      const index = Number(args[0]);
      partials.get(index)?.(args[1] === 'removed');
      partials.delete(index);
      return;
    }
    if (opcode === REFUSED_OPCODE) {
      const index = Number(args[0]);
      waiting.get(index)?.(String(args[1] ?? 'the gateway refused the transfer'));
      waiting.delete(index);
      return;
    }
    inner?.call(tunnel, opcode, args);
  };
  return {
    on(index: number, fn: (reason: string) => void): () => void {
      waiting.set(index, fn);
      return () => waiting.delete(index);
    },
    /** Runs `cancel`, then resolves whether the gateway removed the partial file (null: no answer). */
    partialAfterCancel(index: number, cancel: () => void): Promise<boolean | null> {
      return new Promise((resolve) => {
        const timer = setTimeout(() => (partials.delete(index), resolve(null)), PARTIAL_TIMEOUT_MS);
        partials.set(index, (removed) => (clearTimeout(timer), resolve(removed)));
        cancel();
      });
    },
    tunnel,
  };
}
export type Refusals = ReturnType<typeof watchRefusals>;

/** A path of the FileSource ('a/b', '' for the root) as guacd names it ('/a/b'). */
export function remotePath(path: string, name?: string): string {
  const parts = [...path.split('/'), ...(name === undefined ? [] : [name])].filter((p) => p !== '');
  if (parts.some((p) => p === '..' || p === '.' || p.includes('\\'))) throw new Error('That path is not allowed.');
  return `/${parts.join('/')}`;
}

/** The entries of a stream-index JSON body ({"/dir/name": mimetype}); directories are themselves stream indexes. */
export function entriesOf(index: Record<string, unknown>): RemoteEntry[] {
  const out: RemoteEntry[] = [];
  for (const [full, mimetype] of Object.entries(index)) {
    const name = full.split('/').filter(Boolean).pop();
    // Hidden files stay hidden, as the gateway's own file API does.
    if (!name || name.startsWith('.')) continue;
    // guacd's index says only what each name is: sizes (-1, unknown) and times are not known here.
    out.push({ name, kind: mimetype === Guacamole.Object.STREAM_INDEX_MIMETYPE ? 'dir' : 'file', size: -1, modifiedAt: 0 });
  }
  return out.sort((a, b) => (a.kind === b.kind ? a.name.localeCompare(b.name) : a.kind === 'dir' ? -1 : 1));
}

function abortError(message = 'The transfer was cancelled.'): Error {
  return new DOMException(message, 'AbortError');
}

const sizeOf = (n: number) => (n < 1048576 ? `${Math.ceil(n / 1024)} KB` : `${(n / 1048576).toFixed(1)} MB`);

/** What a cancelled upload left: the gateway says whether it removed the partial file. */
export function cancelNote(file: { name: string; size: number }, sent: number, removed: boolean | null): string {
  if (removed) return 'Cancelled; the part already sent was removed from the machine.';
  const part = `the first ${sizeOf(sent)} of ${sizeOf(file.size)}`;
  if (removed === null)
    return `Cancelled: “${file.name}” on the machine may hold ${part}. Check it there and delete it or upload it again.`;
  return `Cancelled: “${file.name}” on the machine holds only ${part} (this connection cannot delete files there). Delete it on the machine or upload it again.`;
}

function lostMessage(file: { name: string; size: number }, sent: number): string {
  return `The machine stopped answering during the upload of “${file.name}”; it may hold only the first ${sizeOf(sent)} of ${sizeOf(file.size)}. Check the file there and upload it again.`;
}

/** Asks guacd for a stream by name; resolves with it and its mimetype, or rejects when nothing comes. */
function requestBody(object: GObject, name: string, signal?: AbortSignal): Promise<{ stream: GInputStream; mimetype: string }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`The machine did not answer for “${name}”; it may not exist any more.`)),
      BODY_TIMEOUT_MS,
    );
    signal?.addEventListener('abort', () => (clearTimeout(timer), reject(abortError())), { once: true });
    object.requestInputStream(name, (stream, mimetype) => {
      clearTimeout(timer);
      if (signal?.aborted) return stream.sendAck('Cancelled', STATUS_UNSUPPORTED);
      resolve({ stream, mimetype });
    });
  });
}

export function createGuacFileSource(o: { object: GObject; policy: FilePolicy; refusals: Refusals }): FileSource {
  const { object, policy, refusals } = o;
  const { tunnel } = refusals;
  const partialAfterCancel = (index: number, cancel: () => void) => refusals.partialAfterCancel(index, cancel);
  return {
    policy,
    startPath: '',

    async list(path, signal) {
      const { stream, mimetype } = await requestBody(object, remotePath(path), signal);
      if (mimetype !== Guacamole.Object.STREAM_INDEX_MIMETYPE) {
        stream.sendAck('Not a folder', STATUS_UNSUPPORTED);
        throw new Error('That is a file, not a folder.');
      }
      const reader = new Guacamole.JSONReader(stream);
      return new Promise<RemoteEntry[]>((resolve, reject) => {
        reader.onprogress = () => stream.sendAck('Received', STATUS_SUCCESS);
        reader.onend = () => {
          try {
            resolve(entriesOf(reader.getJSON() as Record<string, unknown>));
          } catch {
            reject(new Error('The machine sent a folder listing this page cannot read.'));
          }
        };
        stream.sendAck('Ready', STATUS_SUCCESS);
      });
    },

    async upload(path, file, onProgress, signal) {
      if (!policy.upload) throw new Error('Uploads are turned off for this desktop.');
      if (file.size > policy.maxBytes)
        throw new Error(`“${file.name}” is larger than this desktop allows (${Math.round(policy.maxBytes / 1048576)} MB).`);
      const stream = object.createOutputStream(file.type || 'application/octet-stream', remotePath(path, file.name));
      // guacd (or the gateway, refusing) answers the `put` itself first: the BlobWriter would take that
      // ack for its first chunk's and report the end one chunk early. guacd has made the file by then,
      // so a cancel from here on has a file to clean up.
      await new Promise<void>((resolve, reject) => {
        stream.onack = (status) => {
          stream.onack = null;
          if (status.isError()) reject(new Error(`Upload of “${file.name}” refused: ${status.message ?? 'the machine refused it'}.`));
          else resolve();
        };
      });
      const writer = new Guacamole.BlobWriter(stream);
      let sent = 0;
      await new Promise<void>((resolve, reject) => {
        let stall: ReturnType<typeof setTimeout> | undefined;
        const arm = () => {
          clearTimeout(stall);
          stall = setTimeout(() => {
            signal.removeEventListener('abort', onAbort);
            reject(new Error(lostMessage(file, sent)));
          }, ACK_TIMEOUT_MS);
        };
        const onAbort = () => {
          clearTimeout(stall);
          // The gateway hears of the cancel before the end: it removes the partial file where it can
          // (the RDP drive) and answers which it did; guacd's SFTP has no delete.
          void partialAfterCancel(stream.index, () => {
            tunnel.sendMessage(CANCEL_OPCODE, stream.index);
            writer.sendEnd();
          }).then((removed) => reject(abortError(cancelNote(file, sent, removed))));
        };
        signal.addEventListener('abort', onAbort, { once: true });
        writer.onprogress = (_blob, offset) => {
          sent = offset;
          arm();
          onProgress(offset);
        };
        writer.onerror = (_blob, _offset, error) => {
          clearTimeout(stall);
          signal.removeEventListener('abort', onAbort);
          reject(new Error(`Upload of “${file.name}” refused: ${(error as { message?: string }).message ?? 'the machine refused it'}.`));
        };
        writer.oncomplete = () => {
          clearTimeout(stall);
          signal.removeEventListener('abort', onAbort);
          writer.sendEnd();
          onProgress(file.size);
          resolve();
        };
        if (signal.aborted) return onAbort();
        arm();
        writer.sendBlob(file);
      });
      // guacd's drive and SFTP write under the name asked for (replacing a file of that name).
      return { name: file.name };
    },

    async download(path, name, onProgress, signal) {
      if (!policy.download) throw new Error('Downloads are turned off for this desktop.');
      const { stream, mimetype } = await requestBody(object, remotePath(path, name), signal);
      if (mimetype === Guacamole.Object.STREAM_INDEX_MIMETYPE) {
        stream.sendAck('Not a file', STATUS_UNSUPPORTED);
        throw new Error(`“${name}” is a folder; open it and download the files inside.`);
      }
      const blob = await new Promise<Blob>((resolve, reject) => {
        let refused: string | undefined;
        const forget = refusals.on(stream.index, (why) => (refused = why));
        const reader = new Guacamole.BlobReader(stream, mimetype || 'application/octet-stream');
        signal.addEventListener(
          'abort',
          () => {
            forget();
            stream.sendAck('Cancelled', STATUS_UNSUPPORTED);
            reject(abortError());
          },
          { once: true },
        );
        reader.onprogress = () => {
          onProgress(reader.getLength(), 0); // guacd does not say a file's size up front
          if (!signal.aborted) stream.sendAck('Received', STATUS_SUCCESS);
        };
        reader.onend = () => {
          forget();
          if (signal.aborted) return;
          if (refused) reject(new Error(`Download of “${name}” stopped: ${refused}.`));
          else resolve(reader.getBlob());
        };
        stream.sendAck('Ready', STATUS_SUCCESS);
      });
      saveBlob(blob, name);
    },
  };
}

/** Hands a Blob to the browser as a download. */
function saveBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.style.display = 'none';
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
