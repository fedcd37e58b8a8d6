// The playback clock: recording time advances with wall time times the speed while playing, and
// stands still while paused. Pure (the wall clock is passed in), so the feeder's timing is testable.

export class MediaClock {
  private mediaAt = 0;
  private wallAt = 0;
  private running = false;
  speed = 1;

  constructor(private readonly now: () => number) {}

  /** ms of recording time now. */
  position(): number {
    return this.running ? this.mediaAt + (this.now() - this.wallAt) * this.speed : this.mediaAt;
  }

  get playing(): boolean {
    return this.running;
  }

  set(positionMs: number): void {
    this.mediaAt = positionMs;
    this.wallAt = this.now();
  }

  start(): void {
    if (this.running) return;
    this.wallAt = this.now();
    this.running = true;
  }

  stop(): void {
    if (!this.running) return;
    this.mediaAt = this.position();
    this.running = false;
  }

  setSpeed(speed: number): void {
    this.mediaAt = this.position();
    this.wallAt = this.now();
    this.speed = speed;
  }

  /** Wall ms until recording time `t` is reached (0 if past; Infinity while paused). */
  wallUntil(t: number): number {
    if (!this.running) return Infinity;
    return Math.max(0, (t - this.position()) / this.speed);
  }
}
