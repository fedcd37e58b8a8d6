// A test-owned PulseAudio on a loopback TCP port (anonymous, as guacd's VNC `audio-servername` reaches
// it): a null sink whose monitor is the default source, started in its own process group with its
// runtime and state in a temp dir, and stopped by PID. `play` feeds it a sine through pacat.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PULSE_DAEMON_FLAGS } from '../../agents/process/sound.ts';
import { freePort } from './xvnc.ts';

export interface TestPulse {
  /** For guacd's audio-servername and pacat -s. */
  server: string;
  /** Plays `hz` for `ms` at 44.1 kHz stereo; resolves when pacat has finished. */
  play(hz: number, ms: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startPulse(): Promise<TestPulse> {
  const dir = mkdtempSync(join(tmpdir(), 'deskport-pulse-'));
  const port = await freePort();
  const server = `tcp:127.0.0.1:${port}`;
  const env = { ...process.env, HOME: dir, XDG_RUNTIME_DIR: dir, PULSE_RUNTIME_PATH: dir, PULSE_STATE_PATH: dir, PULSE_SERVER: server };
  const argv = [
    ...PULSE_DAEMON_FLAGS,
    '-L',
    'module-null-sink sink_name=deskport rate=44100 channels=2',
    '-L',
    `module-native-protocol-tcp listen=127.0.0.1 port=${port} auth-anonymous=1`,
  ];
  const child: ChildProcess = spawn('pulseaudio', argv, { env, detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr?.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const pacts: ChildProcess[] = [];
  const stop = async (): Promise<void> => {
    for (const p of pacts) if (p.pid && p.exitCode === null) process.kill(-p.pid, 'SIGKILL');
    if (child.pid && child.exitCode === null && child.signalCode === null) {
      process.kill(-child.pid, 'SIGKILL');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  // Ready when it answers pactl (a readiness check, bounded).
  const deadline = Date.now() + 15_000;
  while (spawnSync('pactl', ['-s', server, 'info'], { env, timeout: 3000 }).status !== 0) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`pulseaudio did not start: ${log}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  // guacd records from the default source: the sink's monitor, what programs play.
  spawnSync('pactl', ['-s', server, 'set-default-source', 'deskport.monitor'], { env, timeout: 3000 });
  return {
    server: `127.0.0.1:${port}`,
    play(hz, ms) {
      const gen =
        `const n=Math.round(44.1*${ms}),b=Buffer.alloc(n*4);for(let i=0;i<n;i++){const v=Math.round(12000*Math.sin(2*Math.PI*${hz}*i/44100));` +
        `b.writeInt16LE(v,i*4);b.writeInt16LE(v,i*4+2)}process.stdout.write(b)`;
      const p = spawn('sh', ['-c', `node -e '${gen}' | pacat --raw --rate=44100 --channels=2 --format=s16le --latency-msec=20`], {
        env,
        detached: true,
        stdio: 'ignore',
      });
      pacts.push(p);
      return new Promise((resolve) => p.once('exit', () => resolve()));
    },
    stop,
  };
}
