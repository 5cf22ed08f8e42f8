/**
 * The microphone as the recorder hears it (issue 15): a Web Audio graph whose input can change
 * when the user switches microphone during a call, while its output track — the one
 * `MediaRecorder` records — stays the same. A recording therefore goes on, in the same file, on
 * the new microphone (a `MediaRecorder` cannot follow a change of its stream's tracks: it stops).
 * Muting the microphone (`track.enabled = false`) feeds silence, as before.
 */
export class MicrophoneFeed {
  private readonly context: AudioContext;
  private readonly destination: MediaStreamAudioDestinationNode;
  private source: MediaStreamAudioSourceNode;

  constructor(track: MediaStreamTrack) {
    this.context = new AudioContext();
    this.destination = this.context.createMediaStreamDestination();
    this.source = this.connect(track);
    // Created after the user's click on "Enter call", so the autoplay policy lets it run.
    if (this.context.state === 'suspended') void this.context.resume().catch(() => undefined);
  }

  /** Whether this browser has what the feed needs (else the recorder records the raw track). */
  static supported(): boolean {
    return typeof AudioContext === 'function' && typeof AudioContext.prototype.createMediaStreamDestination === 'function';
  }

  /** The track to record: the same for the feed's whole life. */
  get track(): MediaStreamTrack {
    return this.destination.stream.getAudioTracks()[0]!;
  }

  /** Listens to another microphone from now on. */
  replace(track: MediaStreamTrack): void {
    this.source.disconnect();
    this.source = this.connect(track);
    if (this.context.state === 'suspended') void this.context.resume().catch(() => undefined);
  }

  /** Releases the audio graph (the microphone itself belongs to the call). */
  close(): void {
    this.source.disconnect();
    void this.context.close().catch(() => undefined);
  }

  private connect(track: MediaStreamTrack): MediaStreamAudioSourceNode {
    const source = this.context.createMediaStreamSource(new MediaStream([track]));
    source.connect(this.destination);
    return source;
  }
}
