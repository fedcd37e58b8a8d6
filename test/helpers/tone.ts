// Tones for the sound tests: a command that plays a sine inside a desktop (node writes s16le PCM to
// pacat, both as the desktop's user), and a Goertzel detector for what comes back.

/** argv for runInDesktop: plays `hz` for `ms` at 48 kHz mono through the desktop's sound server. */
export function toneArgv(hz: number, ms: number, amplitude = 12_000): string[] {
  const gen =
    `const n=Math.round(48*${ms}),b=Buffer.alloc(n*2);` +
    `for(let i=0;i<n;i++)b.writeInt16LE(Math.round(${amplitude}*Math.sin(2*Math.PI*${hz}*i/48000)),i*2);process.stdout.write(b)`;
  return ['sh', '-c', `node -e '${gen}' | pacat --raw --rate=48000 --channels=1 --format=s16le --latency-msec=20`];
}

/** Relative power of `hz` in s16le mono samples (Goertzel), normalised by the block's energy: about 1 for a pure tone, 0 without it. */
export function tonePower(pcm: Buffer, hz: number, rate = 48_000): number {
  const n = Math.floor(pcm.length / 2);
  if (n === 0) return 0;
  const k = 2 * Math.cos((2 * Math.PI * hz) / rate);
  let s1 = 0;
  let s2 = 0;
  let energy = 0;
  for (let i = 0; i < n; i++) {
    const x = pcm.readInt16LE(i * 2) / 32768;
    energy += x * x;
    const s0 = x + k * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  const power = s1 * s1 + s2 * s2 - k * s1 * s2;
  return energy === 0 ? 0 : (2 * power) / (n * energy);
}

/**
 * argv for runInDesktop: starts pacat, feeds it `leadMs` of silence (so its stream is running), then
 * writes a `hz` tone of `ms` and prints the epoch ms of that write on stdout: the moment a program
 * in the desktop "plays" the tone, on the same clock as the browser's Date.now() (same machine).
 */
export function timedToneArgv(hz: number, ms: number, leadMs = 1000, amplitude = 12_000): string[] {
  const script = [
    `const p=require('child_process').spawn('pacat',['--raw','--rate=48000','--channels=1','--format=s16le','--latency-msec=20'],{stdio:['pipe','inherit','inherit']});`,
    `const pcm=(n,f)=>{const b=Buffer.alloc(n*2);for(let i=0;i<n;i++)b.writeInt16LE(f?Math.round(${amplitude}*Math.sin(2*Math.PI*f*i/48000)):0,i*2);return b};`,
    `p.stdin.write(pcm(Math.round(48*${leadMs}),0));`,
    `setTimeout(()=>{const t=pcm(Math.round(48*${ms}),${hz});console.log(Date.now());p.stdin.end(t)},${leadMs});`,
  ].join('');
  return ['node', '-e', script];
}
