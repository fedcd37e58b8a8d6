// Where the viewer page finds an existing machine's files: the display (guacamole-common-js, loaded
// lazily) puts the filesystem guacd offered here (guacSource.ts), the file panel asks for it. Kept
// apart from guacSource.ts so the page does not load guacamole-common-js to hold it.
import type { FilePolicy, FileSource } from './source.ts';

/** What the display hands over: a FileSource once the page says what the policy allows. */
export type MakeFileSource = (policy: FilePolicy) => FileSource;

/**
 * The viewer's way to a machine's files: resolves with the filesystem guacd offered on the current
 * display, or, when none comes, says why (the policy turns both ways off, or the machine offers none).
 */
export function createGuacSourceSlot() {
  let current: FileSource | null = null;
  const waiters: ((s: FileSource) => void)[] = [];
  return {
    set(source: FileSource | null): void {
      current = source;
      if (source) for (const w of waiters.splice(0)) w(source);
    },
    open(timeoutMs = 10_000): Promise<FileSource> {
      if (current) return Promise.resolve(current);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error('This machine offers no files here: its policy turns transfers off, or it is not connected yet.')),
          timeoutMs,
        );
        waiters.push((s) => (clearTimeout(timer), resolve(s)));
      });
    },
  };
}
export type GuacSourceSlot = ReturnType<typeof createGuacSourceSlot>;
