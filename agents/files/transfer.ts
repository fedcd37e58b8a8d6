// File transfer inside a desktop's home, the same for every driver that has a home on this host:
// list a folder, receive an upload, send a download. Uploads are written to a hidden temp file
// owned by the desktop's user and take their name only once every byte arrived; any failure
// (stall, cancel, too large, short, desktop gone) removes the temp file, so nothing half-written stays.
import { createHash, randomBytes } from 'node:crypto';
import { constants as C } from 'node:fs';
import { link, lstat, mkdir, lchown, open, readdir, unlink, type FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { MAX_LIST_ENTRIES, type FilesListResult } from '../../contract/agent-v1-files.ts';
import { nameProblem, numberedName, UPLOAD_TEMP_PREFIX } from '../../contract/file-paths.ts';
import { checkOwner, explain, FileError, inDir, openFolder, type FileHome } from './home-fs.ts';

/** The folder uploads dropped on the viewer go to; created (as the desktop's user) on first use. */
export const DOWNLOADS = 'Downloads';
/** Uploaded files get the mode a browser's download gets under the usual umask (the home itself is 0700). */
export const UPLOAD_MODE = 0o644;
const MAX_NAME_TRIES = 1000;
const WRITE_BATCH = 1024 * 1024;

export async function listFolder(home: FileHome, parts: readonly string[]): Promise<FilesListResult> {
  const dir = await openFolder(home, parts).catch((err: unknown) => {
    // Downloads is where the panel opens and drops land: before the first upload makes it, it is empty.
    if (err instanceof FileError && err.code === 'not_found' && parts.length === 1 && parts[0] === DOWNLOADS) return null;
    throw err;
  });
  if (!dir) return { entries: [], truncated: false };
  try {
    const all = await readdir(`/proc/self/fd/${dir.fd}`, { withFileTypes: true }).catch((err: unknown) => {
      throw explain(err, 'the folder');
    });
    // Hidden files stay hidden (as in a file manager); links and devices are not offered at all.
    // Names no path may carry (a newline made by a program in the desktop, bytes that are not UTF-8)
    // could never be opened through the API: they are left out, not allowed to fail the listing.
    const shown = all.filter(
      (d) => !d.name.startsWith('.') && (d.isFile() || d.isDirectory()) && !d.name.includes('\ufffd') && nameProblem(d.name) === null,
    );
    shown.sort((a, b) => Number(b.isDirectory()) - Number(a.isDirectory()) || a.name.localeCompare(b.name));
    const entries: FilesListResult['entries'] = [];
    for (const d of shown.slice(0, MAX_LIST_ENTRIES)) {
      const st = await lstat(inDir(dir, d.name)).catch(() => null); // gone meanwhile: skip it
      if (!st || !(st.isFile() || st.isDirectory())) continue;
      entries.push({
        name: d.name,
        kind: st.isDirectory() ? 'dir' : 'file',
        size: st.isFile() ? st.size : 0,
        modifiedAt: Math.floor(st.mtimeMs),
      });
    }
    return { entries, truncated: shown.length > MAX_LIST_ENTRIES };
  } finally {
    await dir.close();
  }
}

/** Opens the upload's folder; a missing top-level Downloads is made (as the desktop's user). */
export async function uploadFolder(home: FileHome, parts: readonly string[]): Promise<FileHandle> {
  try {
    return await openFolder(home, parts);
  } catch (err) {
    if (!(err instanceof FileError && err.code === 'not_found' && parts.length === 1 && parts[0] === DOWNLOADS)) throw err;
    const root = await openFolder(home, []);
    try {
      await mkdir(inDir(root, DOWNLOADS), { mode: 0o755 }).catch((e: NodeJS.ErrnoException) => {
        if (e.code !== 'EEXIST') throw explain(e, DOWNLOADS);
      });
      if (home.ids) await lchown(inDir(root, DOWNLOADS), home.ids.uid, home.ids.gid);
    } finally {
      await root.close();
    }
    return openFolder(home, parts);
  }
}

export interface ReceiveOptions {
  /** No byte for this long ends the upload (stalled). */
  stallMs: number;
  signal?: AbortSignal;
  /** Asked before the file takes its name: false means the desktop ended meanwhile. */
  alive?: () => Promise<boolean>;
}

/** Writes exactly `size` bytes from `source` as `name` (or "name (n)") in folder `parts`; resolves the name used. */
export async function receiveFile(
  home: FileHome,
  parts: readonly string[],
  name: string,
  size: number,
  source: Readable,
  o: ReceiveOptions,
): Promise<{ name: string; size: number }> {
  const dir = await uploadFolder(home, parts);
  const tmp = `${UPLOAD_TEMP_PREFIX}${randomBytes(8).toString('hex')}`;
  let fh: FileHandle | undefined;
  let created = false;
  let stall: NodeJS.Timeout | undefined;
  const stop = (err: FileError) => source.destroy(err);
  const onAbort = () =>
    stop(o.signal?.reason instanceof FileError ? o.signal.reason : new FileError('cancelled', 'the upload was cancelled'));
  try {
    checkOwner(home, (await dir.stat()).uid, 'this folder');
    fh = await open(inDir(dir, tmp), C.O_WRONLY | C.O_CREAT | C.O_EXCL | C.O_NOFOLLOW, 0o600).catch((err: unknown) => {
      throw explain(err, 'the folder');
    });
    created = true;
    if (home.ids) await fh.chown(home.ids.uid, home.ids.gid);
    const arm = () => {
      clearTimeout(stall);
      stall = setTimeout(
        () => stop(new FileError('stalled', `no data arrived for ${Math.round(o.stallMs / 1000)} s; the upload was abandoned`)),
        o.stallMs,
      );
    };
    o.signal?.throwIfAborted();
    o.signal?.addEventListener('abort', onAbort, { once: true });
    arm();
    let got = 0;
    // Chunks arrive as WebSocket frames (often 64 KiB); one writev per ~1 MiB costs far fewer
    // thread-pool round trips than a write per frame.
    let batch: Buffer[] = [];
    let batched = 0;
    const flush = async (file: FileHandle) => {
      if (batch.length) await file.writev(batch);
      batch = [];
      batched = 0;
    };
    for await (const chunk of source as AsyncIterable<Buffer>) {
      got += chunk.length;
      if (got > size) throw new FileError('too_large', `more than the announced ${size} bytes arrived`);
      batch.push(chunk);
      batched += chunk.length;
      if (batched >= WRITE_BATCH) await flush(fh);
      arm();
    }
    await flush(fh);
    clearTimeout(stall);
    if (o.signal?.aborted)
      throw o.signal.reason instanceof FileError ? o.signal.reason : new FileError('cancelled', 'the upload was cancelled');
    if (got < size) throw new FileError('incomplete', `the upload ended after ${got} of ${size} bytes`);
    await fh.datasync();
    await fh.chmod(UPLOAD_MODE);
    await fh.close();
    fh = undefined;
    if (o.alive && !(await o.alive())) throw new FileError('desktop_gone', 'the desktop ended during the upload; the file was not kept');
    for (let n = 0; n < MAX_NAME_TRIES; n++) {
      const candidate = numberedName(name, n);
      try {
        await link(inDir(dir, tmp), inDir(dir, candidate)); // unlike rename, never replaces an existing file
        return { name: candidate, size };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw explain(err, 'the folder');
      }
    }
    throw new FileError('name_taken', `"${name}" and its ${MAX_NAME_TRIES} numbered variants all exist`);
  } catch (err) {
    if (err instanceof FileError) throw err;
    // A stream destroyed with our FileError rethrows it; anything else is explained.
    throw (err as { code?: unknown }).code === 'ABORT_ERR'
      ? new FileError('cancelled', 'the upload was cancelled')
      : explain(err, 'the upload');
  } finally {
    clearTimeout(stall);
    o.signal?.removeEventListener('abort', onAbort);
    await fh?.close().catch(() => undefined);
    // The temp name goes in every case: after success the file lives on under its own name.
    if (created) await unlink(inDir(dir, tmp)).catch(() => undefined);
    await dir.close().catch(() => undefined);
    if (!source.destroyed) source.destroy();
  }
}

export interface Outgoing {
  size: number;
  modifiedAt: number;
  /** SHA-256 (hex) of the file as it was read before sending: the gateway checks the bytes it relays against it. */
  sha256: string;
  /** Exactly `size` bytes (fewer if the file shrank meanwhile: the receiver checks). */
  stream: Readable;
}

/** Opens the file at `parts` for a download of at most `maxBytes`. */
export async function sendFile(home: FileHome, parts: readonly string[], maxBytes: number): Promise<Outgoing> {
  if (parts.length === 0) throw new FileError('not_a_file', 'name a file to download');
  const dir = await openFolder(home, parts.slice(0, -1));
  let fh: FileHandle | undefined;
  try {
    const what = `"${parts.join('/')}"`;
    // O_NONBLOCK: a FIFO planted under a file's name must not hang the open.
    fh = await open(inDir(dir, parts[parts.length - 1]!), C.O_RDONLY | C.O_NOFOLLOW | C.O_NONBLOCK).catch((err: unknown) => {
      throw explain(err, what);
    });
    const st = await fh.stat();
    if (!st.isFile()) throw new FileError('not_a_file', `${what} is not a regular file`);
    checkOwner(home, st.uid, what);
    if (st.size > maxBytes)
      throw new FileError('too_large', `${what} is ${st.size} bytes; this desktop allows downloads up to ${maxBytes} bytes`);
    // A pass over the file first, so its checksum can go out in the header, before the bytes: the
    // second pass reads from the page cache. Costs time to the first byte, not memory.
    const sha256 = await hashOf(fh, st.size);
    const stream = st.size === 0 ? Readable.from([]) : fh.createReadStream({ start: 0, end: st.size - 1, highWaterMark: 256 * 1024 });
    if (st.size === 0) await fh.close();
    fh = undefined;
    return { size: st.size, modifiedAt: Math.floor(st.mtimeMs), sha256, stream };
  } finally {
    await fh?.close().catch(() => undefined);
    await dir.close().catch(() => undefined);
  }
}

/** SHA-256 of the first `size` bytes of `fh`, read by position (the file offset stays at 0). */
async function hashOf(fh: FileHandle, size: number): Promise<string> {
  const hash = createHash('sha256');
  const buf = Buffer.allocUnsafe(Math.min(Math.max(size, 1), 1024 * 1024));
  for (let pos = 0; pos < size;) {
    const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, size - pos), pos);
    if (bytesRead === 0) break; // shrank meanwhile: the receiver finds the bytes short
    hash.update(buf.subarray(0, bytesRead));
    pos += bytesRead;
  }
  return hash.digest('hex');
}
