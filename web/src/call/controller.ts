import { api } from '../api.ts';
import { leftReasonKey } from '../format.ts';
import { errorMessage } from '../i18n/errors.ts';
import { msg, type Message } from '../i18n/message.ts';
import type { ServerMessage, Session, User } from '../types.ts';
import { CallRecording } from './call-recording.ts';
import type { CallState } from './call-state.ts';
import { CallDebug } from './debug.ts';
import { deviceOf, openDevice, rememberDevice, type DeviceChoice } from './devices.ts';
import { CallMesh } from './mesh.ts';
import { ReconnectingSocket } from './reconnecting-socket.ts';
import { ChangeThrottle, VoiceActivityDetector } from './voice-activity.ts';

const MAX_NOTICES = 5;
const TOAST_MS = 6000;
/** Speaking changes are sent at most this often (ms). */
const SPEAKING_MIN_INTERVAL_MS = 400;
/** Each connection's quality is re-assessed this often, from its own stats (ms). */
const QUALITY_SAMPLE_MS = 2000;

/** What a call needs: who we are, the session, our media and how to get ICE servers. */
export interface CallOptions {
  self: User;
  session: Session;
  localStream: MediaStream | null;
  /** The ICE configuration for each new peer connection (`loadRtcConfiguration`). */
  rtcConfig(): Promise<RTCConfiguration>;
  micEnabled: boolean;
  cameraEnabled: boolean;
  /** Our recording consent as chosen before joining (seed 000 §5.4). */
  recordingConsent: boolean;
  /** The speaker chosen in the waiting room (`setSinkId`), if any. */
  speakerId?: string;
}

/**
 * One call: the signaling connection (`ReconnectingSocket`), the mesh of peer connections, the
 * local media and the voice activity report. Framework-free; the React screen subscribes to
 * `getState()`. Nothing starts before `start()`.
 */
export class CallController {
  private state: CallState;
  private readonly listeners = new Set<() => void>();
  private readonly mesh: CallMesh;
  private readonly signaling: ReconnectingSocket;
  private readonly debug: CallDebug;
  private readonly names = new Map<string, string>();
  private leaving = false;
  private nextToastId = 1;
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  private voice: VoiceActivityDetector | null = null;
  private readonly speakingThrottle: ChangeThrottle;
  private readonly recording: CallRecording;
  private qualityTimer: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly opts: CallOptions) {
    this.recording = new CallRecording({
      sessionId: opts.session.id,
      selfUserId: opts.self.id,
      track: opts.localStream?.getAudioTracks()[0] ?? null,
      consent: opts.recordingConsent,
      onChange: () => this.update({ recording: this.recording.view() }),
    });
    this.state = {
      status: 'connecting',
      sessionStatus: opts.session.status,
      startedAt: opts.session.startedAt,
      endsAt: opts.session.endsAt ?? opts.session.scheduledEndAt,
      hostUserId: opts.session.hostUserId,
      micEnabled: opts.micEnabled,
      cameraEnabled: opts.cameraEnabled,
      selfSpeaking: false,
      participants: [],
      notices: [],
      toasts: [],
      reconnect: null,
      endReason: null,
      endMessage: null,
      recording: this.recording.view(),
      localPreview: opts.localStream,
      devices: {
        audioinput: deviceOf(opts.localStream?.getAudioTracks()[0]),
        videoinput: deviceOf(opts.localStream?.getVideoTracks()[0]),
        audiooutput: opts.speakerId,
      },
      switchingDevice: null,
      deviceError: null,
    };
    this.applyTrackState();
    for (const p of opts.session.participants) this.names.set(p.userId, p.displayName);
    this.names.set(opts.self.id, opts.self.name);
    this.signaling = new ReconnectingSocket({
      sessionId: opts.session.id,
      ticket: async () => (await api.signalingTicket(opts.session.id)).ticket,
      onOpen: () => this.onOpen(),
      onMessage: (message) => this.onMessage(message),
      onReconnecting: (attempt, nextAt) => this.update({ status: 'reconnecting', reconnect: { attempt, nextAt } }),
      onEnd: (message) => this.finish(null, message),
    });
    this.mesh = new CallMesh({
      selfUserId: opts.self.id,
      localStream: opts.localStream,
      rtcConfig: opts.rtcConfig,
      send: (message) => this.signaling.send(message),
      onChange: () => this.update({ participants: this.mesh.participants() }),
    });
    this.speakingThrottle = new ChangeThrottle(SPEAKING_MIN_INTERVAL_MS, (speaking) => {
      this.signaling.send({ type: 'speaking', speaking });
    });
    this.debug = new CallDebug({
      sessionId: opts.session.id,
      mesh: this.mesh,
      signaling: this.signaling,
      status: () => this.state.status,
      hostUserId: () => this.state.hostUserId,
      voice: () => this.voice,
      recording: () => this.state.recording,
      localTrackIds: () => this.opts.localStream?.getTracks().map((t) => t.id) ?? [],
    });
  }

  /** The session's id. */
  get sessionId(): string {
    return this.opts.session.id;
  }

  /** The session as it was when the call opened. */
  get session(): Session {
    return this.opts.session;
  }

  /** Opens the signaling connection, starts voice activity detection and installs `window.__call`. */
  start(): void {
    this.debug.install();
    const track = this.opts.localStream?.getAudioTracks()[0];
    if (track) this.listenToVoice(track);
    this.signaling.start();
    this.qualityTimer = setInterval(() => void this.mesh.sampleQuality(), QUALITY_SAMPLE_MS);
    if (this.opts.session.status === 'active') this.recording.sessionActive();
  }

  /** The current state (for `useSyncExternalStore`). */
  getState = (): CallState => this.state;

  /** Calls `listener` after each state change. @returns the unsubscribe function. */
  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** Our camera and microphone, `null` when receive-only. */
  get localStream(): MediaStream | null {
    return this.opts.localStream;
  }

  /** Whether we are the session's host right now. */
  get isHost(): boolean {
    return this.state.hostUserId === this.opts.self.id;
  }

  /** Mutes or unmutes our microphone, and tells the others. */
  toggleMic(): void {
    this.update({ micEnabled: !this.state.micEnabled });
    this.applyTrackState();
    this.sendMediaState();
  }

  /** Stops or restarts sending our camera, and tells the others. */
  toggleCamera(): void {
    this.update({ cameraEnabled: !this.state.cameraEnabled });
    this.applyTrackState();
    this.sendMediaState();
  }

  /**
   * Switches camera or microphone during the call: opens the chosen device, sends its track on
   * every peer connection with `RTCRtpSender.replaceTrack` (same kind: no renegotiation, the mesh
   * stays connected), and stops the old one. A recording under way goes on with the new
   * microphone, in the same file (`MicrophoneFeed`). The choice is remembered for next time.
   * A device that cannot be opened leaves everything as it was (`deviceError`).
   */
  async switchDevice(kind: 'audioinput' | 'videoinput', deviceId: string): Promise<void> {
    const stream = this.opts.localStream;
    const mediaKind = kind === 'audioinput' ? 'audio' : 'video';
    const old = stream?.getTracks().find((t) => t.kind === mediaKind) ?? null;
    if (!stream || !old || this.state.status === 'ended') return;
    this.update({ switchingDevice: kind, deviceError: null });
    let track: MediaStreamTrack;
    try {
      track = await openDevice(kind, deviceId);
    } catch (err) {
      this.update({ switchingDevice: null, deviceError: err });
      return;
    }
    if (this.ended) {
      track.stop();
      return;
    }
    track.enabled = mediaKind === 'audio' ? this.state.micEnabled : this.state.cameraEnabled;
    await this.mesh.replaceTrack(old, track);
    stream.removeTrack(old);
    stream.addTrack(track);
    old.stop();
    if (mediaKind === 'audio') {
      this.voice?.stop();
      this.listenToVoice(track);
      this.recording.replaceTrack(track);
    }
    rememberDevice(kind, deviceOf(track) ?? deviceId);
    this.update({
      switchingDevice: null,
      localPreview: new MediaStream(stream.getTracks()),
      devices: { ...this.state.devices, [kind]: deviceOf(track) ?? deviceId },
    });
  }

  /** Plays the others on another speaker (the tiles call `setSinkId`); remembered for next time. */
  setSpeaker(deviceId: string): void {
    rememberDevice('audiooutput', deviceId);
    this.update({ devices: { ...this.state.devices, audiooutput: deviceId } satisfies DeviceChoice });
  }

  /** Host of a waiting private session: starts it for everyone. @throws ApiError */
  async startSession(): Promise<void> {
    const session = await api.startSession(this.opts.session.id);
    if (this.state.status === 'ended') return;
    this.update({ sessionStatus: session.status, startedAt: session.startedAt, endsAt: session.endsAt ?? this.state.endsAt });
  }

  /** True while our own microphone is being recorded (the indicator on our own tile). */
  get recordingSelf(): boolean {
    return this.recording.recordingSelf;
  }

  /** "Stop recording me": the capture stops at once; the server deletes what was uploaded of this session. */
  stopRecordingMe(): Promise<void> {
    return this.recording.withdraw();
  }

  /** Consent given again during the call: a new recording starts. */
  recordMeAgain(): Promise<void> {
    return this.recording.consentAgain();
  }

  /** Host: ends the session for everyone (they all get `session-ended`). @throws ApiError */
  async endSession(): Promise<void> {
    const session = await api.endSession(this.opts.session.id);
    this.finish(session.endReason ?? 'host_ended', null);
  }

  /**
   * Leaves deliberately: tells the server first (it announces the leave to the others at once and
   * closes our socket), then tears everything down. A failed request still leaves locally; the
   * server then sees a drop.
   */
  async leave(): Promise<void> {
    if (this.state.status === 'ended' || this.leaving) return;
    this.leaving = true;
    this.signaling.expectClose();
    await api.leaveSession(this.opts.session.id).catch(() => undefined);
    this.finish(null, null);
  }

  /** Releases the socket, peer connections, camera and microphone without telling the server. */
  teardown(): void {
    // The recorder stops capturing before the microphone goes; its last chunks still upload.
    this.recording.finish();
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    clearInterval(this.qualityTimer);
    this.speakingThrottle.stop();
    this.voice?.stop();
    this.voice = null;
    this.signaling.stop();
    this.mesh.close();
    for (const track of this.opts.localStream?.getTracks() ?? []) track.stop();
    this.debug.remove();
  }

  private onOpen(): void {
    this.update({ status: 'connected', reconnect: null });
    this.sendMediaState();
    // The server forgets our voice activity with the connection: say it again.
    this.speakingThrottle.reset();
    if (this.voice?.speaking) this.speakingThrottle.push(true);
  }

  private onMessage(message: ServerMessage): void {
    this.debug.record(message);
    this.recording.onMessage(message);
    switch (message.type) {
      case 'participant-list': {
        if (message.session.status === 'active') this.recording.sessionActive();
        for (const p of message.participants) this.names.set(p.userId, p.displayName);
        const host = message.participants.find((p) => p.role === 'host');
        this.update({
          sessionStatus: message.session.status,
          startedAt: message.session.startedAt,
          endsAt: message.session.endsAt ?? this.state.endsAt,
          ...(host ? { hostUserId: host.userId } : {}),
        });
        break;
      }
      case 'participant-joined':
        this.names.set(message.participant.userId, message.participant.displayName);
        this.notice(msg(message.reconnected ? 'call.notice.reconnected' : 'call.notice.joined', { name: message.participant.displayName }));
        break;
      case 'participant-left':
        this.notice(msg(leftReasonKey(message.reason), { name: this.nameOf(message.userId) }));
        break;
      case 'host-changed':
        if (message.hostUserId !== this.state.hostUserId) {
          this.update({ hostUserId: message.hostUserId });
          const text = message.hostUserId === this.opts.self.id ? msg('call.notice.youHost') : msg('call.notice.newHost', { name: this.nameOf(message.hostUserId) });
          this.toast(text);
          this.notice(text);
        }
        break;
      case 'session-started':
        this.update({ sessionStatus: 'active', startedAt: message.startedAt });
        this.notice(msg('call.notice.started'));
        this.recording.sessionActive();
        break;
      case 'session-ended':
        this.finish(message.reason, null);
        return;
      case 'error':
        // A frame the server found malformed is a bug of ours, not the user's business.
        if (message.code === 'INVALID_MESSAGE') console.warn(`[call] server: ${message.message}`);
        else this.notice(errorMessage(message.code));
        break;
      default:
        break;
    }
    this.mesh.handle(message);
  }

  private finish(endReason: string | null, endMessage: Message | null): void {
    if (this.state.status !== 'ended') this.update({ status: 'ended', endReason, endMessage, reconnect: null });
    this.teardown();
  }

  /** The call is over (read after an await: the state may have moved on meanwhile). */
  private get ended(): boolean {
    return this.state.status === 'ended';
  }

  private listenToVoice(track: MediaStreamTrack): void {
    this.voice = new VoiceActivityDetector(track, (speaking) => {
      this.update({ selfSpeaking: speaking });
      this.speakingThrottle.push(speaking);
    });
    this.voice.start();
  }

  private nameOf(userId: string): string {
    return this.names.get(userId) ?? userId;
  }

  private applyTrackState(): void {
    for (const track of this.opts.localStream?.getAudioTracks() ?? []) track.enabled = this.state.micEnabled;
    for (const track of this.opts.localStream?.getVideoTracks() ?? []) track.enabled = this.state.cameraEnabled;
  }

  private sendMediaState(): void {
    this.signaling.send({ type: 'media-state', micEnabled: this.state.micEnabled, cameraEnabled: this.state.cameraEnabled });
  }

  private notice(text: Message): void {
    this.update({ notices: [...this.state.notices, text].slice(-MAX_NOTICES) });
  }

  private toast(message: Message): void {
    const id = this.nextToastId++;
    this.update({ toasts: [...this.state.toasts, { id, message }] });
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.update({ toasts: this.state.toasts.filter((t) => t.id !== id) });
    }, TOAST_MS);
    this.timers.add(timer);
  }

  private update(patch: Partial<CallState>): void {
    this.state = { ...this.state, ...patch };
    for (const listener of this.listeners) listener();
  }
}
