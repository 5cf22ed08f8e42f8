import WebSocket from 'ws';

/** A real WebSocket client for tests that buffers frames and lets a test wait for one by type. */
export class TestSocket {
  readonly messages: Record<string, unknown>[] = [];
  private waiters: { type: string; resolve: (m: Record<string, unknown>) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }[] = [];
  /** Resolves with the close code and reason once the socket closes. */
  readonly closed: Promise<{ code: number; reason: string }>;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const msg = JSON.parse(String(data)) as Record<string, unknown>;
      const i = this.waiters.findIndex((w) => w.type === msg.type);
      if (i >= 0) {
        const [w] = this.waiters.splice(i, 1);
        clearTimeout(w.timer);
        w.resolve(msg);
      } else this.messages.push(msg);
    });
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: String(reason) })));
  }

  /** Opens `baseUrl/ws/signaling?token&sessionId` and waits until it is open (or closed at once). */
  static async open(baseUrl: string, token: string, sessionId: string, headers: Record<string, string> = {}): Promise<TestSocket> {
    const url = `${baseUrl.replace(/^http/, 'ws')}/ws/signaling?token=${encodeURIComponent(token)}&sessionId=${encodeURIComponent(sessionId)}`;
    const socket = new TestSocket(new WebSocket(url, { headers }));
    await new Promise<void>((resolve, reject) => {
      socket.ws.once('open', () => resolve());
      socket.ws.once('error', reject);
      socket.ws.once('close', () => resolve());
    });
    return socket;
  }

  /** Waits for the next frame of `type` (already buffered or coming). */
  next(type: string, timeoutMs = 5_000): Promise<Record<string, unknown>> {
    const i = this.messages.findIndex((m) => m.type === type);
    if (i >= 0) return Promise.resolve(this.messages.splice(i, 1)[0]);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.timer !== timer);
        reject(new Error(`no "${type}" frame within ${timeoutMs} ms; buffered: ${JSON.stringify(this.messages.map((m) => m.type))}`));
      }, timeoutMs);
      this.waiters.push({ type, resolve, reject, timer });
    });
  }

  send(message: Record<string, unknown>): void {
    this.ws.send(JSON.stringify(message));
  }

  /** True when no frame of `type` is buffered. */
  hasNo(type: string): boolean {
    return !this.messages.some((m) => m.type === type);
  }

  close(): Promise<{ code: number; reason: string }> {
    this.ws.close();
    return this.closed;
  }
}
