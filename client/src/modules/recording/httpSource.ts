// Part bytes over HTTP: GET /api/v1/recordings/:id/parts/:n with a Range from the segment's offset,
// read as a stream, so a seek into a one-hour recording fetches from that segment on and the
// browser stops fetching (TCP back-pressure) while the player does not ask for more.
import { SourceError, type PartSource } from './cursor.ts';

export function partUrl(recordingId: string, part: number): string {
  return `/api/v1/recordings/${encodeURIComponent(recordingId)}/parts/${part}`;
}

export function httpPartSource(recordingId: string, fetchFn: typeof fetch = (...a) => fetch(...a)): PartSource {
  return {
    async *read(part, offset, signal) {
      let res: Response;
      try {
        res = await fetchFn(partUrl(recordingId, part), {
          credentials: 'same-origin',
          signal,
          headers: offset > 0 ? { Range: `bytes=${offset}-` } : {},
        });
      } catch (e) {
        if (signal.aborted) throw e;
        throw new SourceError('network', 'The recording could not be fetched. Check your connection and try again.');
      }
      if (res.status === 404 || res.status === 410) throw new SourceError('missing', `part ${part} of the recording is missing`);
      if (res.status === 416) return; // the offset is at the end: nothing more in this part
      if (!res.ok) throw new SourceError('network', `The gateway answered ${res.status} for part ${part} of the recording.`);
      // A server that ignored the Range sends the whole part: skip what comes before the offset.
      let skip = offset > 0 && res.status !== 206 ? offset : 0;
      if (!res.body) return;
      const reader = res.body.getReader();
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return;
          if (skip >= value.length) {
            skip -= value.length;
            continue;
          }
          yield skip > 0 ? value.subarray(skip) : value;
          skip = 0;
        }
      } finally {
        void reader.cancel().catch(() => {});
      }
    },
  };
}

/** In-memory parts, for unit tests and the benchmark's page. */
export function memoryPartSource(parts: readonly Uint8Array[], chunk = 64 * 1024): PartSource {
  return {
    async *read(part, offset, signal) {
      const bytes = parts[part];
      if (!bytes) throw new SourceError('missing', `part ${part} is missing`);
      for (let o = offset; o < bytes.length; o += chunk) {
        if (signal.aborted) return;
        await Promise.resolve();
        yield bytes.subarray(o, Math.min(bytes.length, o + chunk));
      }
    },
  };
}
