// Tool: how busy is the machine apart from us? Benchmarks on a shared 2-core machine are only as
// good as the quiet around them. Prints other processes' CPU; with --wait S, waits up to S seconds
// for a 3-second window below --max (default 15 % of one core) before returning.
// Usage: node --import tsx bench/lib/quiet.ts [--wait 60] [--max 15]
import { machineWatch } from './procstat.ts';
import { args } from './results.ts';
import { fmt, sleep } from './stats.ts';

const a = args();
const waitS = Number(a.get('wait') ?? 0);
const max = Number(a.get('max') ?? 15);
const deadline = Date.now() + waitS * 1000;
for (;;) {
  const w = machineWatch();
  await sleep(3000);
  const m = w.stop();
  const quiet = m.othersPct <= max;
  if (quiet || Date.now() >= deadline) {
    console.log(
      `quiet: other processes use ${fmt(m.othersPct)} % of one core${quiet ? '' : ` (above ${max} %: figures below may be disturbed)`}`,
    );
    break;
  }
  console.log(`quiet: other processes use ${fmt(m.othersPct)} % of one core; waiting`);
}
