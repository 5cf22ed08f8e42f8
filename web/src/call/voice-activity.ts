/**
 * Voice activity of the local microphone, reported over signaling as `{ type: 'speaking' }` so
 * that the others can highlight the active speaker and the server can count speaking time.
 *
 * `SpeakingGate` is the pure decision (a level threshold with an attack and a hangover);
 * `VoiceActivityDetector` feeds it from a WebAudio `AnalyserNode` on the microphone track.
 */

/** The gate's tuning. */
export interface SpeakingGateOptions {
  /** RMS level (0..1) above which a sample counts as voice. */
  threshold: number;
  /** Consecutive loud samples needed to start speaking (ignores clicks). */
  attackSamples: number;
  /** Quiet time after the last loud sample before speaking stops (pauses between words). */
  hangoverMs: number;
}

/**
 * About -40 dBFS: above a quiet room's noise (the browser's noise suppression helps), below
 * normal speech (-30 to -15 dBFS). One loud 100 ms sample starts a stretch; the hangover bridges
 * the pauses between words.
 */
export const DEFAULT_GATE: SpeakingGateOptions = { threshold: 0.01, attackSamples: 1, hangoverMs: 800 };

/** Turns a stream of level samples into speaking / not speaking. */
export class SpeakingGate {
  private loudRun = 0;
  private lastLoudAt = -Infinity;
  speaking = false;

  constructor(private readonly opts: SpeakingGateOptions = DEFAULT_GATE) {}

  /** Feeds one sample taken at `now` (ms). @returns true when `speaking` changed. */
  sample(level: number, now: number): boolean {
    if (level >= this.opts.threshold) {
      this.loudRun += 1;
      this.lastLoudAt = now;
      if (!this.speaking && this.loudRun >= this.opts.attackSamples) {
        this.speaking = true;
        return true;
      }
      return false;
    }
    this.loudRun = 0;
    if (this.speaking && now - this.lastLoudAt >= this.opts.hangoverMs) {
      this.speaking = false;
      return true;
    }
    return false;
  }
}

/**
 * Passes a changing boolean on to `send`, at most once per `minIntervalMs`: a change inside the
 * interval is sent when it ends, and only if the value still differs from the last one sent.
 */
export class ChangeThrottle {
  private lastSent: boolean | null = null;
  private lastSentAt = -Infinity;
  private latest: boolean | null = null;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly minIntervalMs: number,
    private readonly send: (value: boolean) => void,
    private readonly now: () => number = () => Date.now(),
  ) {}

  /** The value changed (or not): sent now, at the end of the interval, or not at all. */
  push(value: boolean): void {
    this.latest = value;
    if (this.timer !== undefined) return;
    const wait = this.lastSentAt + this.minIntervalMs - this.now();
    if (wait <= 0) this.flush();
    else this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, wait);
  }

  /** Forgets what was sent (after a reconnection the server knows nothing). */
  reset(): void {
    this.lastSent = null;
  }

  /** Drops a held-back value. */
  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private flush(): void {
    if (this.latest === null || this.latest === this.lastSent) return;
    this.lastSent = this.latest;
    this.lastSentAt = this.now();
    this.send(this.latest);
  }
}

const SAMPLE_INTERVAL_MS = 100;

/** Samples the level of an audio track every 100 ms and reports speaking changes. */
export class VoiceActivityDetector {
  private context: AudioContext | null = null;
  private timer: ReturnType<typeof setInterval> | undefined;
  private readonly gate = new SpeakingGate();
  /** The last level measured (diagnostics). */
  level = 0;

  constructor(
    private readonly track: MediaStreamTrack,
    private readonly onChange: (speaking: boolean) => void,
  ) {}

  /** Whether the track's voice is active now. */
  get speaking(): boolean {
    return this.gate.speaking;
  }

  /** The audio context's state (`running` while sampling), or `off` when not started. */
  get state(): string {
    return this.context?.state ?? 'off';
  }

  /** Starts sampling; does nothing where WebAudio is unavailable. */
  start(): void {
    if (this.context || typeof AudioContext !== 'function') return;
    try {
      const context = new AudioContext();
      const source = context.createMediaStreamSource(new MediaStream([this.track]));
      const analyser = context.createAnalyser();
      analyser.fftSize = 1024;
      source.connect(analyser);
      const buffer = new Float32Array(analyser.fftSize);
      this.context = context;
      this.timer = setInterval(() => {
        if (context.state === 'suspended') void context.resume().catch(() => undefined);
        let level = 0;
        if (this.track.enabled && this.track.readyState === 'live') {
          analyser.getFloatTimeDomainData(buffer);
          let sum = 0;
          for (const v of buffer) sum += v * v;
          level = Math.sqrt(sum / buffer.length);
        }
        this.level = level;
        if (this.gate.sample(level, performance.now())) this.onChange(this.gate.speaking);
      }, SAMPLE_INTERVAL_MS);
    } catch (err) {
      console.warn('[call] voice activity detection unavailable', err);
    }
  }

  /** Stops sampling and closes the audio context. */
  stop(): void {
    clearInterval(this.timer);
    void this.context?.close().catch(() => undefined);
    this.context = null;
  }
}
