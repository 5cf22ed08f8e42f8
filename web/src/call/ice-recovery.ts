/**
 * ICE recovery of one peer connection. When a connection goes `failed`, or stays `disconnected`
 * for a few seconds, its offerer calls `restartIce()` and sends a new offer (with fresh ICE
 * servers); after a few restarts in a row without success it starts over, once, with a new
 * connection. The answerer does nothing here: it applies the offerer's new offer.
 */

/** A `disconnected` connection gets this long to come back by itself before an ICE restart, in ms. */
const DISCONNECTED_GRACE_MS = 3000;
/** A `failed` connection is restarted after this (lets a burst of state changes settle), in ms. */
const FAILED_DELAY_MS = 500;
/** After a restart, how long to wait for `connected` before trying again, in ms. */
const RESTART_TIMEOUT_MS = 10_000;
/** ICE restarts in a row before starting over with a new connection (once). */
const MAX_RESTARTS = 3;

/** What recovery needs from the connection to one remote participant. */
export interface RecoveryTarget {
  /** The current connection; recovery of a connection that was replaced stops. */
  readonly pc: RTCPeerConnection | null;
  /** True when we created the current connection's first offer: we drive its ICE restarts. */
  readonly offerer: boolean;
  /** False once the participant left or the call closed. */
  readonly active: boolean;
  /** Runs `task` after the signaling work already queued for this participant. */
  enqueue(task: () => Promise<void>): void;
  /** The ICE configuration to restart with (fresh TURN credentials). */
  rtcConfig(): Promise<RTCConfiguration>;
  /** Creates an offer on `pc`, sets it as the local description and sends it. */
  sendOffer(pc: RTCPeerConnection, options?: RTCOfferOptions): Promise<void>;
  /** Replaces the connection with a new one and offers on it. */
  startOver(): Promise<void>;
  reportError(error: unknown): void;
}

/** The recovery state of one remote participant's connection: restart counters and the pending check. */
export class IceRecovery {
  /** ICE restarts since the connection was last `connected`. */
  restarts = 0;
  /** ICE restarts over the participant's connections (diagnostics). */
  totalRestarts = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly target: RecoveryTarget) {}

  /** True while an ICE restart is under way. */
  get restarting(): boolean {
    return this.restarts > 0;
  }

  /** Follows `pc`'s `connectionState`: call it from `onconnectionstatechange` of the current connection. */
  onConnectionState(pc: RTCPeerConnection): void {
    switch (pc.connectionState) {
      case 'connected':
        this.restarts = 0;
        this.cancel();
        break;
      case 'disconnected':
        this.schedule(pc, DISCONNECTED_GRACE_MS);
        break;
      case 'failed':
        this.schedule(pc, FAILED_DELAY_MS);
        break;
      default:
        break;
    }
  }

  /** A new connection answered someone else's offer: nothing of ours to restart. */
  reset(): void {
    this.restarts = 0;
  }

  /** Drops the pending check (the connection was replaced or closed). */
  cancel(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /**
   * As the offerer of a connection that is `disconnected` or `failed`: after `delayMs`, if it has
   * not recovered, restart ICE; check again after each attempt until it connects. After
   * `MAX_RESTARTS` restarts, start over once with a new connection.
   */
  private schedule(pc: RTCPeerConnection, delayMs: number): void {
    const target = this.target;
    if (!target.offerer) return; // the offerer drives recovery; we answer its new offer
    if (this.timer !== undefined && delayMs >= DISCONNECTED_GRACE_MS) return; // a check is already pending
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (target.pc !== pc || !target.active) return;
      if (pc.connectionState !== 'disconnected' && pc.connectionState !== 'failed') return;
      if (this.restarts >= MAX_RESTARTS) {
        if (this.restarts === MAX_RESTARTS) {
          this.restarts += 1;
          target.enqueue(() => target.startOver());
        }
        return;
      }
      target.enqueue(() => this.restart(pc));
      this.timer = setTimeout(() => {
        this.timer = undefined;
        if (target.pc === pc && pc.connectionState !== 'connected') this.schedule(pc, 0);
      }, RESTART_TIMEOUT_MS);
    }, delayMs);
  }

  /** `restartIce()` with fresh ICE servers, and the new offer (`iceRestart`) to the participant. */
  private async restart(pc: RTCPeerConnection): Promise<void> {
    const target = this.target;
    if (target.pc !== pc || pc.connectionState === 'connected' || pc.signalingState === 'closed') return;
    const config = await target.rtcConfig();
    if (target.pc !== pc) return;
    try {
      pc.setConfiguration({ ...pc.getConfiguration(), iceServers: config.iceServers, iceTransportPolicy: config.iceTransportPolicy });
    } catch (err) {
      target.reportError(err);
    }
    // An offer still waiting for its answer (lost while signaling was down) is withdrawn first.
    if (pc.signalingState === 'have-local-offer') await pc.setLocalDescription({ type: 'rollback' });
    this.restarts += 1;
    this.totalRestarts += 1;
    pc.restartIce();
    await target.sendOffer(pc, { iceRestart: true });
  }
}
