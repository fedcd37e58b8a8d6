// The child half of children.ts: a fixture process answers its parent's IPC requests and exits
// cleanly (a normal exit, so --cpu-prof writes its profile) on SIGTERM, SIGINT or a lost parent.
// Every fixture also answers `mem` (process.memoryUsage), `gc` (the same after a full GC) and `loop` (event-loop delay since the
// last `loop` request: how late a 10 ms timer fired, i.e. how long ready work waited).
import { Samples } from './stats.ts';

// Event-loop lag, measured plainly: a 10 ms interval timer records how late each tick fired.
const TICK_MS = 10;
const lag = new Samples(4096);
let last = performance.now();
setInterval(() => {
  const now = performance.now();
  lag.push(Math.max(0, now - last - TICK_MS));
  last = now;
}, TICK_MS).unref();

function loopDelay() {
  const s = lag.summary();
  lag.clear();
  const r2 = (x: number) => Math.round(x * 100) / 100;
  return { p50: r2(s.p50), p99: r2(s.p99), max: r2(s.max), mean: r2(s.mean), ticks: s.n };
}

/** A full collection (twice: weak references and finalizers), then memoryUsage; needs --expose-gc. */
function collect(): NodeJS.MemoryUsage {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  gc?.();
  return process.memoryUsage();
}

/** For a child script: replies to parent requests with `handler`, and exits cleanly on SIGTERM. */
export function serveParent(handler: (msg: Record<string, unknown>) => Promise<unknown>, onStop: () => Promise<void>): void {
  process.on('message', (m: Record<string, unknown> & { id: number }) => {
    const builtin =
      m.type === 'mem'
        ? Promise.resolve(process.memoryUsage())
        : m.type === 'gc'
          ? Promise.resolve(collect())
          : m.type === 'loop'
            ? Promise.resolve(loopDelay())
            : null;
    (builtin ?? handler(m)).then(
      (result) => process.send?.({ re: m.id, ok: true, result }),
      (err: Error) => process.send?.({ re: m.id, ok: false, error: err.message }),
    );
  });
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    const hard = setTimeout(() => process.exit(1), 8_000);
    hard.unref();
    onStop().finally(() => process.exit(0)); // a normal exit writes the --cpu-prof profile
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.on('disconnect', stop);
}
