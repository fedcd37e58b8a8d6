// The AudioWorklet side of the player (loaded by player.ts through Vite's `?worker&url`): PCM frames
// arrive over its port, the jitter buffer (jitter.ts) feeds the sound card one quantum at a time.
import { JitterBuffer } from './jitter.ts';

// The worklet scope's globals (not in TypeScript's DOM lib).
declare const sampleRate: number;
declare class AudioWorkletProcessor {
  readonly port: MessagePort;
}
declare function registerProcessor(name: string, processor: new (options: { processorOptions?: unknown }) => AudioWorkletProcessor): void;

interface Options {
  targetMs: number;
  maxMs: number;
}

class DeskportPcmPlayer extends AudioWorkletProcessor {
  private readonly buffer: JitterBuffer;
  private quanta = 0;

  constructor(options: { processorOptions?: unknown }) {
    super();
    const o = options.processorOptions as Options;
    this.buffer = new JitterBuffer({ rate: sampleRate, targetMs: o.targetMs, maxMs: o.maxMs });
    this.port.onmessage = (e: MessageEvent<ArrayBuffer>) => this.buffer.push(new Int16Array(e.data, 0, e.data.byteLength >> 1));
  }

  process(_inputs: Float32Array[][], outputs: Float32Array[][]): boolean {
    const channels = outputs[0] ?? [];
    const first = channels[0];
    if (first) {
      this.buffer.pull(first);
      for (let c = 1; c < channels.length; c++) channels[c]!.set(first);
    }
    // About twice a second: what the toolbar and the tests read (buffered delay, underruns).
    if (++this.quanta % 188 === 0) this.port.postMessage(this.buffer.stats());
    return true;
  }
}

registerProcessor('deskport-pcm-player', DeskportPcmPlayer);
