// The agent's side of file transfer requests (files.list, files.receive, files.send): finds the
// desktop's home through its driver, runs the transfer over a dial-back stream (bytes never ride on
// the control socket), caps how many run at once, and ends those of a desktop being destroyed.
import { PassThrough } from 'node:stream';
import type { WebSocket } from 'ws';
import type { Logger } from 'pino';
import { MAX_CONTROL_MESSAGE_BYTES } from '../../contract/agent-v1.ts';
import type { FileStreamFrame, FilesList, FilesListResult, FilesReceive, FilesSend } from '../../contract/agent-v1-files.ts';
import { checkPath } from '../../contract/file-paths.ts';
import type { DesktopDriver } from '../driver.ts';
import { FileError, type FileHome } from './home-fs.ts';
import { listFolder, receiveFile, sendFile, uploadFolder } from './transfer.ts';

/** Transfers one desktop may run at once (the gateway caps per session too), and the whole agent. */
const MAX_PER_DESKTOP = 8;
const MAX_TOTAL = 64;
/** Queue toward the gateway above which reading the file pauses. */
const HIGH_WATER = 1024 * 1024;
export const DEFAULT_STALL_MS = 30_000;
/** Room a listing may take in its reply: a reply over the control cap would cost the whole control connection. */
const LIST_REPLY_BYTES = MAX_CONTROL_MESSAGE_BYTES - 16 * 1024;

/** Drops entries from the end until the reply fits (1000 names of 255 bytes, escaped, do not). */
export function fitReply(r: FilesListResult): FilesListResult {
  let size = Buffer.byteLength(JSON.stringify(r));
  if (size <= LIST_REPLY_BYTES) return r;
  const entries = [...r.entries];
  while (entries.length && size > LIST_REPLY_BYTES) size -= Buffer.byteLength(JSON.stringify(entries.pop())) + 1;
  return { entries, truncated: true };
}

export interface AgentFilesDeps {
  driverOf(desktopId: string): Promise<DesktopDriver | undefined>;
  /** Dials the stream back; `attach` runs at 'open', before any frame can be missed. */
  dialStream(streamId: string, key: string, attach: (ws: WebSocket) => void): Promise<WebSocket>;
  log: Logger;
  stallMs?: number;
}

const frame = (ws: WebSocket, f: FileStreamFrame): void => ws.send(JSON.stringify(f));
const errorFrame = (err: unknown): FileStreamFrame => {
  const e = err instanceof FileError ? err : new FileError('file_error', (err as Error).message ?? 'transfer failed');
  return { type: 'files.error', code: e.code, message: e.message.slice(0, 1000) };
};

export function createAgentFiles(deps: AgentFilesDeps) {
  const active = new Map<string, Set<AbortController>>();
  const stallMs = deps.stallMs ?? DEFAULT_STALL_MS;
  let total = 0;

  async function homeOf(desktopId: string): Promise<{ home: FileHome; driver: DesktopDriver }> {
    const driver = await deps.driverOf(desktopId);
    if (!driver) throw new FileError('no_such_desktop', 'no such desktop on this host');
    if (!driver.fileHome) throw new FileError('files_unavailable', `${driver.name} desktops have no file transfer`);
    try {
      return { home: await driver.fileHome(desktopId), driver };
    } catch (err) {
      if (err instanceof FileError) throw err;
      throw new FileError('desktop_gone', 'the desktop is not running');
    }
  }

  /** Registers a transfer; the returned controller is aborted if the desktop is destroyed. */
  function begin(desktopId: string): { ac: AbortController; end: () => void } {
    const set = active.get(desktopId) ?? new Set<AbortController>();
    if (set.size >= MAX_PER_DESKTOP || total >= MAX_TOTAL)
      throw new FileError('too_many_transfers', 'too many file transfers are running; wait for one to finish');
    const ac = new AbortController();
    active.set(desktopId, set.add(ac));
    total++;
    let ended = false;
    return {
      ac,
      end: () => {
        if (ended) return;
        ended = true;
        total--;
        set.delete(ac);
        if (set.size === 0 && active.get(desktopId) === set) active.delete(desktopId);
      },
    };
  }

  const parts = (path: string): string[] => {
    const c = checkPath(path);
    if (!c.ok) throw new FileError('bad_path', c.reason); // decoded messages passed this already
    return c.parts;
  };

  async function list(m: FilesList): Promise<FilesListResult> {
    const { home } = await homeOf(m.desktopId);
    return fitReply(await listFolder(home, parts(m.path)));
  }

  async function receive(m: FilesReceive): Promise<void> {
    const { home, driver } = await homeOf(m.desktopId);
    const folder = parts(m.path);
    (await uploadFolder(home, folder)).close().catch(() => undefined); // a bad folder is the request's answer
    const t = begin(m.desktopId);
    const source = new PassThrough({ highWaterMark: HIGH_WATER });
    let got = 0;
    let ws: WebSocket;
    try {
      ws = await deps.dialStream(m.streamId, m.key, (s) => {
        s.on('message', (data, isBinary) => {
          if (!isBinary) return void source.destroy(new FileError('protocol_error', 'a text frame in the upload'));
          const chunk = data as Buffer;
          got += chunk.length;
          if (got > m.size) return void source.destroy(new FileError('too_large', `more than the announced ${m.size} bytes arrived`));
          if (!source.write(chunk)) s.pause();
          if (got === m.size) source.end();
        });
        source.on('drain', () => s.resume());
        s.once('close', () => {
          if (got < m.size) source.destroy(new FileError('cancelled', 'the upload was cancelled before all bytes arrived'));
        });
      });
    } catch (err) {
      t.end();
      throw err;
    }
    if (m.size === 0) source.end();
    const alive = async () => (await driver.inspect(m.desktopId))?.state === 'running';
    void receiveFile(home, folder, m.name, m.size, source, { stallMs, signal: t.ac.signal, alive })
      .then(
        (r) => frame(ws, { type: 'files.stored', name: r.name, size: r.size }),
        (err: unknown) => {
          deps.log.info({ desktopId: m.desktopId, err: (err as Error).message }, 'upload failed');
          frame(ws, errorFrame(err));
        },
      )
      .finally(() => {
        t.end();
        ws.close(1000);
      });
  }

  async function send(m: FilesSend): Promise<void> {
    const { home } = await homeOf(m.desktopId);
    const out = await sendFile(home, parts(m.path), m.maxBytes);
    let t: ReturnType<typeof begin>;
    try {
      t = begin(m.desktopId);
    } catch (err) {
      out.stream.destroy();
      throw err;
    }
    let ws: WebSocket;
    try {
      ws = await deps.dialStream(m.streamId, m.key, (s) => s.once('close', () => out.stream.destroy()));
    } catch (err) {
      out.stream.destroy();
      t.end();
      throw err;
    }
    t.ac.signal.addEventListener('abort', () => out.stream.destroy(t.ac.signal.reason as Error), { once: true });
    frame(ws, { type: 'files.header', size: out.size, modifiedAt: out.modifiedAt, sha256: out.sha256 });
    let paused = false;
    out.stream.on('data', (chunk: Buffer) => {
      ws.send(chunk, { binary: true }, () => {
        if (paused && ws.bufferedAmount < HIGH_WATER / 2) {
          paused = false;
          out.stream.resume();
        }
      });
      if (ws.bufferedAmount > HIGH_WATER) {
        paused = true;
        out.stream.pause();
      }
    });
    out.stream.once('end', () => {
      t.end();
      ws.close(1000);
    });
    out.stream.once('error', (err) => {
      t.end();
      frame(ws, errorFrame(err));
      ws.close(1000);
    });
    out.stream.once('close', () => t.end());
  }

  return {
    list,
    receive,
    send,
    /** Ends every transfer of a desktop that is being destroyed, with a clear error to the gateway. */
    abortDesktop(desktopId: string): void {
      for (const ac of active.get(desktopId) ?? []) ac.abort(new FileError('desktop_gone', 'the desktop ended during the transfer'));
    },
  };
}
