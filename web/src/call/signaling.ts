import { browserClock, type Clock } from '../clock.ts';
import type { ClientMessage, ServerMessage } from '../types.ts';
import { msg, type Message } from '../i18n/message.ts';

/** Close codes after which reconnecting is pointless (DESIGN 4.3). 4429 is handled apart (one slow retry). */
export const FATAL_CLOSE_CODES: Record<number, Message> = {
  4401: msg('signaling.close.4401'),
  4403: msg('signaling.close.4403'),
  4404: msg('signaling.close.4404'),
  4409: msg('signaling.close.4409'),
  4410: msg('signaling.close.4410'),
  1009: msg('signaling.close.1009'),
};

/** Rate limited, or too many open connections: retry once, slowly, then give up. */
export const RATE_LIMITED_CLOSE = 4429;
/** What the user reads when the server keeps refusing us (4429). */
export const RATE_LIMITED_TEXT: Message = msg('signaling.close.4429');

/** Close code our side uses when it gives up on a socket that stopped answering. */
export const UNRESPONSIVE_CLOSE = 4000;

const HEARTBEAT_MS = 15_000;
/** A heartbeat not followed by any frame within this long means the connection is dead. */
const HEARTBEAT_ANSWER_MS = 10_000;

/**
 * The `/ws/signaling` address on the page's own origin (ws: or wss: by page protocol).
 * @param token a single-use ticket (`POST /api/signaling/tickets`), or a JWT.
 */
export function signalingUrl(token: string, sessionId: string): string {
  const scheme = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
  const params = new URLSearchParams({ token, sessionId });
  return `${scheme}//${window.location.host}/ws/signaling?${params.toString()}`;
}

/** What a `SignalingSocket` reports. `onClose` does not run after our own `close()`. */
export interface SignalingHandlers {
  onOpen(): void;
  onMessage(message: ServerMessage): void;
  onClose(code: number, reason: string): void;
}

/**
 * One signaling WebSocket: JSON frames in and out, a `heartbeat` every 15 s while open. A
 * heartbeat that gets no frame back within 10 s means the connection died without closing (a
 * network that went away): the socket is abandoned and `onClose` runs at once. The check counts
 * from the heartbeat sent, so a throttled background tab (timers delayed) is not taken for dead.
 * It does not reconnect by itself; the caller decides from the close code.
 */
export class SignalingSocket {
  private readonly ws: WebSocket;
  private heartbeat: ReturnType<typeof setInterval> | undefined;
  private answerTimer: ReturnType<typeof setTimeout> | undefined;
  private closedByUs = false;
  private lastFrameAt = 0;

  constructor(
    url: string,
    private readonly handlers: SignalingHandlers,
    private readonly clock: Clock = browserClock,
  ) {
    this.ws = new WebSocket(url);
    this.ws.onopen = () => {
      this.lastFrameAt = this.clock.now();
      this.heartbeat = setInterval(() => this.beat(), HEARTBEAT_MS);
      this.handlers.onOpen();
    };
    this.ws.onmessage = (event) => {
      this.lastFrameAt = this.clock.now();
      if (typeof event.data !== 'string') return;
      let message: ServerMessage;
      try {
        message = JSON.parse(event.data) as ServerMessage;
      } catch {
        return;
      }
      this.handlers.onMessage(message);
    };
    this.ws.onclose = (event) => {
      this.stopTimers();
      if (!this.closedByUs) this.handlers.onClose(event.code, event.reason);
    };
  }

  /** True once the socket is open and until it closes. */
  get isOpen(): boolean {
    return !this.closedByUs && this.ws.readyState === WebSocket.OPEN;
  }

  /** Sends a frame if the socket is open; returns whether it was sent. */
  send(message: ClientMessage): boolean {
    if (!this.isOpen) return false;
    this.ws.send(JSON.stringify(message));
    return true;
  }

  /** Closes the socket as a network failure would: `onClose` runs (for tests and debugging). */
  simulateDrop(): void {
    this.abandon(UNRESPONSIVE_CLOSE, 'simulated drop');
  }

  /** Closes the socket without calling `onClose`. */
  close(): void {
    this.closedByUs = true;
    this.stopTimers();
    if (this.ws.readyState === WebSocket.CONNECTING || this.ws.readyState === WebSocket.OPEN) this.ws.close(1000, 'leaving');
  }

  private beat(): void {
    const sentAt = this.clock.now();
    if (!this.send({ type: 'heartbeat' })) return;
    clearTimeout(this.answerTimer);
    this.answerTimer = setTimeout(() => {
      if (this.lastFrameAt < sentAt && this.isOpen) this.abandon(UNRESPONSIVE_CLOSE, 'no answer to heartbeat');
    }, HEARTBEAT_ANSWER_MS);
  }

  /** Gives up on the socket at once (a dead network may take minutes to close it) and reports the close. */
  private abandon(code: number, reason: string): void {
    if (this.closedByUs) return;
    this.close();
    this.handlers.onClose(code, reason);
  }

  private stopTimers(): void {
    clearInterval(this.heartbeat);
    clearTimeout(this.answerTimer);
  }
}
