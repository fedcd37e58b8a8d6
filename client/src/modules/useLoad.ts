// Loads a page's or section's data once when it mounts, keeps the last failure as a message for an
// Alert, and offers a reload; a load still in flight is aborted when the component goes away.
// Lists that refresh on a timer use usePolling instead.
import { useCallback, useEffect, useRef, useState, type Dispatch, type StateUpdater } from 'preact/hooks';
import { errorMessage } from '../api/client.ts';

export interface Loaded<T> {
  /** Undefined until the first load succeeds; kept when a later reload fails. */
  data: T | undefined;
  /** For local changes after a save or delete, without loading again. */
  setData: Dispatch<StateUpdater<T | undefined>>;
  /** Why the last load failed; cleared by the next one that succeeds. */
  error: string | undefined;
  /** Loads again (a "Reload" button, or after a change made elsewhere). Never throws. */
  reload(): Promise<void>;
}

/** `load` is read when a load starts, so an inline function is fine; it runs once on mount. */
export function useLoad<T>(load: (signal: AbortSignal) => Promise<T>): Loaded<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<string>();
  const loadRef = useRef(load);
  loadRef.current = load;
  // Reloads share the first load's controller, so unmounting aborts them too.
  const [controller] = useState(() => new AbortController());

  const reload = useCallback(async (): Promise<void> => {
    const { signal } = controller;
    try {
      const next = await loadRef.current(signal);
      if (signal.aborted) return;
      setData(next);
      setError(undefined);
    } catch (e) {
      if (!signal.aborted) setError(errorMessage(e));
    }
  }, []);

  useEffect(() => {
    void reload();
    return () => controller.abort();
  }, [reload]);

  return { data, setData, error, reload };
}
