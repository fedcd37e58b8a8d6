// Child process for bench/audio.ts: a real gateway with its embedded agent and process driver (as
// `bin/deskport up`), so its CPU is measured apart from the benchmark's own Chromium driving.
import { startTestGateway } from '../../test/helpers/gateway.ts';
import { serveParent } from './child-side.ts';

const t = await startTestGateway(process.env.BENCH_AUDIO_STREAMS === 'agent' ? { env: { DESKPORT_EMBEDDED_STREAMS: 'agent' } } : {});
serveParent(
  async () => ({}),
  () => t.cleanup(),
);
process.send?.({ type: 'ready', url: t.url, dataDir: t.dataDir });
