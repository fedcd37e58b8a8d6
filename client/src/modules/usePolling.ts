// Loads now and every `ms` after, aborting the in-flight load when the page goes away. Keeps
// states current (started elsewhere, ended by policy) without a manual refresh.
import { useEffect } from 'preact/hooks';

export function usePolling(load: (signal: AbortSignal) => Promise<void>, ms: number): void {
  useEffect(() => {
    const ac = new AbortController();
    void load(ac.signal);
    const id = setInterval(() => void load(ac.signal), ms);
    return () => {
      ac.abort();
      clearInterval(id);
    };
  }, [load, ms]);
}
