// The one shape the player page drives, whatever plays underneath: noVNC fed from a `.dprec`
// (vncPlayer.ts) or guacamole-common-js's session recording (guacPlayer.ts).

export const SPEEDS = [0.5, 1, 2, 4, 8] as const;
export type Speed = (typeof SPEEDS)[number];

export type PlayerStatus = 'loading' | 'paused' | 'playing' | 'ended';

/** Why playback cannot go on: the file is damaged or missing after `afterMs`, or failed otherwise. */
export type PlayerProblem = { kind: 'damaged' | 'missing'; afterMs: number } | { kind: 'failed'; message: string };

export interface PlayerSnapshot {
  status: PlayerStatus;
  /** ms since the recording started. */
  positionMs: number;
  durationMs: number;
  speed: Speed;
  /** A seek (or the first frame) is being prepared; `progress` 0..1 when known. */
  busy: boolean;
  progress?: number;
  problem?: PlayerProblem;
}

export interface Player {
  play(): void;
  pause(): void;
  seek(ms: number): void;
  setSpeed(speed: Speed): void;
  snapshot(): PlayerSnapshot;
  /** Called on every change of status, speed, busy or problem; positions are read with snapshot(). */
  subscribe(fn: (s: PlayerSnapshot) => void): () => void;
  destroy(): void;
}

/** A tiny listener set for the players. */
export class Listeners<T> {
  private fns = new Set<(v: T) => void>();
  add(fn: (v: T) => void): () => void {
    this.fns.add(fn);
    return () => this.fns.delete(fn);
  }
  emit(v: T): void {
    for (const fn of this.fns) fn(v);
  }
}
