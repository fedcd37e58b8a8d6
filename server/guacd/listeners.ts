// A tiny listener set for Guacd.onChange: listeners that throw are logged, never break the caller.
import type { Logger } from '../log.ts';
import type { GuacdStatus } from './guacd.ts';

export function statusListeners(log: Logger) {
  const fns = new Set<(s: GuacdStatus) => void>();
  return {
    add(fn: (s: GuacdStatus) => void): () => void {
      fns.add(fn);
      return () => void fns.delete(fn);
    },
    emit(s: GuacdStatus): void {
      for (const fn of [...fns]) {
        try {
          fn(s);
        } catch (err) {
          log.warn({ err }, 'guacd status listener failed');
        }
      }
    },
  };
}
