// State of the viewer's file transfer: the FileSource (opened on first use), the folder shown, its
// entries, and the transfer list. Uploads and downloads run here, so a drop on the viewer works and
// transfers go on while the panel is closed. Talks to nothing but FileSource.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { errorMessage, isApiError } from '../../api/client.ts';
import type { FileSource, RemoteEntry } from './source.ts';
import { finished, join, progressed, started, type Outcome, type Transfer } from './transferList.ts';

export type SourceState = { kind: 'idle' } | { kind: 'loading' } | { kind: 'ready'; source: FileSource } | { kind: 'off'; message: string };

/** A source that knows what a cancel left behind says so in its AbortError's message. */
const cancelled = (e: unknown): Outcome =>
  e instanceof DOMException && e.name === 'AbortError' && e.message.startsWith('Cancelled')
    ? { state: 'cancelled', note: e.message }
    : { state: 'cancelled' };

const say = (e: unknown): string => (isApiError(e) ? e.message : e instanceof Error && e.message ? e.message : errorMessage(e));

export function useFiles(open: () => Promise<FileSource>) {
  const [src, setSrc] = useState<SourceState>({ kind: 'idle' });
  const [path, setPath] = useState('');
  const [entries, setEntries] = useState<RemoteEntry[]>();
  const [listError, setListError] = useState<string>();
  const [transfers, setTransfers] = useState<Transfer[]>([]);
  const controllers = useRef(new Map<number, AbortController>());
  const nextId = useRef(1);
  const opening = useRef<Promise<FileSource | null> | undefined>(undefined);
  const [reload, setReload] = useState(0);

  const ensure = useCallback((): Promise<FileSource | null> => {
    opening.current ??= (async () => {
      setSrc({ kind: 'loading' });
      try {
        const source = await open();
        setSrc({ kind: 'ready', source });
        setPath(source.startPath);
        return source;
      } catch (e) {
        opening.current = undefined; // a later try may work (the host was away)
        setSrc({ kind: 'off', message: say(e) });
        return null;
      }
    })();
    return opening.current;
  }, [open]);

  useEffect(() => {
    if (src.kind !== 'ready') return;
    const ac = new AbortController();
    setListError(undefined);
    src.source.list(path, ac.signal).then(
      (list) => setEntries(list),
      (e: unknown) => !ac.signal.aborted && (setEntries(undefined), setListError(say(e))),
    );
    return () => ac.abort();
  }, [src, path, reload]);

  useEffect(() => () => controllers.current.forEach((c) => c.abort()), []);

  function run(
    t: Omit<Transfer, 'loaded' | 'speed' | 'state' | 'id' | 'startedAt'>,
    go: (id: number, signal: AbortSignal) => Promise<Omit<Outcome, 'state'> | void>,
  ) {
    const id = nextId.current++;
    const ac = new AbortController();
    controllers.current.set(id, ac);
    setTransfers((l) => started(l, { ...t, id, startedAt: Date.now() }));
    go(id, ac.signal)
      .then(
        (r) => setTransfers((l) => finished(l, id, { ...r, state: 'done' })),
        (e: unknown) => setTransfers((l) => finished(l, id, ac.signal.aborted ? cancelled(e) : { state: 'failed', error: say(e) })),
      )
      .finally(() => {
        controllers.current.delete(id);
        if (t.direction === 'upload') setReload((n) => n + 1);
      });
  }

  return {
    src,
    path,
    entries,
    listError,
    transfers,
    ensure,
    navigate: setPath,
    refresh: () => setReload((n) => n + 1),
    /** Uploads into `folder` (the one shown when omitted). */
    async upload(files: File[], folder?: string): Promise<void> {
      const source = await ensure();
      if (!source) return;
      const to = folder ?? path;
      for (const file of files)
        run({ direction: 'upload', name: file.name, path: to, total: file.size }, async (id, signal) => {
          const stored = await source.upload(to, file, (loaded) => setTransfers((l) => progressed(l, id, loaded, Date.now())), signal);
          return { name: stored.name };
        });
    },
    download(entry: RemoteEntry): void {
      if (src.kind !== 'ready') return;
      const source = src.source;
      const from = path;
      run({ direction: 'download', name: entry.name, path: from, total: Math.max(entry.size, 0) }, (id, signal) =>
        source.download(from, entry.name, (loaded, total) => setTransfers((l) => progressed(l, id, loaded, Date.now(), total)), signal),
      );
    },
    cancel(id: number): void {
      controllers.current.get(id)?.abort();
    },
    clearFinished(): void {
      setTransfers((l) => l.filter((t) => t.state === 'running'));
    },
    pathOf: join,
  };
}

export type FilesState = ReturnType<typeof useFiles>;
