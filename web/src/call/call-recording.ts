/**
 * Recording in a call (seed 000 §5.4, DESIGN 4.7): who is being recorded (the server's
 * `recording` frames and participant views: every tile shows it), and our own recording: it runs
 * while the session is active and we consent, stops at once when we withdraw (the server then
 * deletes what was uploaded), and a consent given again starts a new one. Framework-free; the
 * call controller feeds it the signaling frames and the session's state.
 */
import { api } from '../api.ts';
import type { ServerMessage } from '../types.ts';
import { MicrophoneFeed } from './mic-feed.ts';
import { VoiceRecorder, type RecorderState } from './voice-recorder.ts';

/** What the call screen renders of recording. */
export interface RecordingView {
  /** Our consent as last stored. */
  consent: boolean;
  /** Our current (or last) recording. */
  recorder: RecorderState | null;
  /** Others being recorded now. */
  recordingUserIds: string[];
  /** A consent change that failed. */
  error: unknown;
  /** A consent change is under way. */
  busy: boolean;
}

export class CallRecording {
  private consent: boolean;
  private active = false;
  private ended = false;
  private recorder: VoiceRecorder | null = null;
  private readonly others = new Set<string>();
  private error: unknown = null;
  private busy = false;
  private track: MediaStreamTrack | null;
  /** What the recorder records: our microphone through a graph that survives a device switch. */
  private feed: MicrophoneFeed | null = null;

  constructor(
    private readonly opts: {
      sessionId: string;
      selfUserId: string;
      /** Our microphone; null: nothing to record. */
      track: MediaStreamTrack | null;
      consent: boolean;
      onChange(): void;
    },
  ) {
    this.consent = opts.consent;
    this.track = opts.track;
  }

  /**
   * The user switched microphone: a recording under way goes on with the new one, in the same
   * file (`MicrophoneFeed`); later recordings start on it.
   */
  replaceTrack(track: MediaStreamTrack): void {
    this.track = track;
    this.feed?.replace(track);
  }

  view(): RecordingView {
    return { consent: this.consent, recorder: this.recorder?.state ?? null, recordingUserIds: [...this.others], error: this.error, busy: this.busy };
  }

  /** True while our own microphone is captured (the indicator on our own tile). */
  get recordingSelf(): boolean {
    return this.recorder?.capturing ?? false;
  }

  /** The session is active (at the call's start, or on `session-started`): record if we consent. */
  sessionActive(): void {
    this.active = true;
    this.startIfConsenting();
  }

  /** Frames that say who is recorded. */
  onMessage(message: ServerMessage): void {
    switch (message.type) {
      case 'participant-list':
        this.others.clear();
        for (const p of message.participants) if (p.recording && p.userId !== this.opts.selfUserId) this.others.add(p.userId);
        break;
      case 'participant-joined':
        if (message.participant.recording) this.others.add(message.participant.userId);
        else this.others.delete(message.participant.userId);
        break;
      case 'participant-left':
        this.others.delete(message.userId);
        break;
      case 'recording':
        if (message.userId === this.opts.selfUserId) return;
        if (message.recording) this.others.add(message.userId);
        else this.others.delete(message.userId);
        break;
      default:
        return;
    }
    this.opts.onChange();
  }

  /** The call is over (the session ended, we leave): stop capturing now, upload the rest and complete. */
  finish(): void {
    this.ended = true;
    this.others.clear();
    const feed = this.feed;
    this.feed = null;
    void (this.recorder?.finish() ?? Promise.resolve()).finally(() => feed?.close());
  }

  /** "Stop recording me": the capture stops at once, then consent is withdrawn (the server deletes the uploads). */
  async withdraw(): Promise<void> {
    this.recorder?.withdraw();
    await this.changeConsent(false);
  }

  /** Consent given again during the call: a new recording starts. */
  async consentAgain(): Promise<void> {
    if (await this.changeConsent(true)) this.startIfConsenting();
  }

  private startIfConsenting(): void {
    if (!this.consent || !this.active || this.ended || !this.track) return;
    if (this.recorder && (this.recorder.capturing || this.recorder.state.status === 'finishing')) return;
    if (!this.feed && MicrophoneFeed.supported()) this.feed = new MicrophoneFeed(this.track);
    const recorder = new VoiceRecorder({ sessionId: this.opts.sessionId, track: this.feed?.track ?? this.track, onChange: () => this.opts.onChange() });
    this.recorder = recorder;
    void recorder.start();
    this.opts.onChange();
  }

  private async changeConsent(consent: boolean): Promise<boolean> {
    this.busy = true;
    this.error = null;
    this.opts.onChange();
    try {
      await api.setConsent(this.opts.sessionId, consent);
      this.consent = consent;
      return true;
    } catch (err) {
      this.error = err;
      return false;
    } finally {
      this.busy = false;
      this.opts.onChange();
    }
  }
}
