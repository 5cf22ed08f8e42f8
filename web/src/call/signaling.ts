import type { ClientMessage, ServerMessage } from '../types.ts';

/** Close codes after which reconnecting is pointless (DESIGN 4.3). */
export const FATAL_CLOSE_CODES: Record<number, string> = {
  4401: 'Your sign-in is no longer valid.',
  4403: 'You are not a participant of this session.',
  4404: 'This session does not exist.',
  4409: 'You joined this session from another tab or device.',
  4410: 'The session has ended.',
  4429: 'Too many messages; the connection was closed.',
  1009: 'A message was too big.',
};

const HEARTBEAT_MS = 15_000;

/** The `/ws/signaling` address on the page's own origin (ws: or wss: by page protocol). */
export function signalingUrl(token: string, sessionId: string): string {
  const scheme = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
  const params = new URLSearchParams({ token, sessionId });
  return `${scheme}//${window.location.host}/ws/signaling?${params.toString()}`;
}

export interface SignalingHandlers {
  onOpen(): void;
  onMessage(message: ServerMessage): void;
  onClose(code: number, reason: string): void;
}

/**
 * One signaling WebSocket: JSON frames in and out, a `heartbeat` every 15 s while open.
 * It does not reconnect by itself; the caller decides from the close code.
 */
export class SignalingSocket {
  private readonly ws: WebSocket;
  private heartbeat: ReturnType<typeof setInterval> | undefined;
  private closedByUs = false;

  constructor(url: string, private readonly handlers: SignalingHandlers) {
    this.ws = new WebSocket(url);
    this.ws.onopen = () => {
      this.heartbeat = setInterval(() => this.send({ type: 'heartbeat' }), HEARTBEAT_MS);
      this.handlers.onOpen();
    };
    this.ws.onmessage = (event) => {
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
      clearInterval(this.heartbeat);
      if (!this.closedByUs) this.handlers.onClose(event.code, event.reason);
    };
  }

  /** True once the socket is open and until it closes. */
  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  /** Sends a frame if the socket is open; returns whether it was sent. */
  send(message: ClientMessage): boolean {
    if (this.ws.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify(message));
    return true;
  }

  /** Closes the socket as a network failure would: `onClose` runs (for tests and debugging). */
  simulateDrop(): void {
    this.ws.close(4000, 'simulated drop');
  }

  /** Closes the socket without calling `onClose`. */
  close(): void {
    this.closedByUs = true;
    clearInterval(this.heartbeat);
    if (this.ws.readyState === WebSocket.CONNECTING || this.ws.readyState === WebSocket.OPEN) this.ws.close(1000, 'leaving');
  }
}
