import { createParser, type EventSourceMessage } from 'eventsource-parser';

/** One server-sent event as received, `data` parsed as JSON. */
export interface ReceivedEvent {
  id: string | undefined;
  event: string | undefined;
  data: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/**
 * A real HTTP client of `GET /api/live-sessions/{id}/chat/stream` (fetch + eventsource-parser,
 * as the web page does), recording every event and comment.
 */
export class SseClient {
  readonly events: ReceivedEvent[] = [];
  readonly comments: string[] = [];
  status = 0;
  private readonly abort = new AbortController();
  private waiters: (() => void)[] = [];
  private done: Promise<void> | null = null;

  static async open(baseUrl: string, token: string | null, sessionId: string, lastEventId?: number): Promise<SseClient> {
    const c = new SseClient();
    const headers: Record<string, string> = { accept: 'text/event-stream' };
    if (token) headers.authorization = `Bearer ${token}`;
    if (lastEventId !== undefined) headers['last-event-id'] = String(lastEventId);
    const res = await fetch(`${baseUrl}/api/live-sessions/${sessionId}/chat/stream`, { headers, signal: c.abort.signal });
    c.status = res.status;
    if (!res.ok || !res.body) {
      c.body = await res.text();
      return c;
    }
    const parser = createParser({
      onEvent: (e: EventSourceMessage) => {
        c.events.push({ id: e.id, event: e.event, data: JSON.parse(e.data) });
        c.wake();
      },
      onComment: (comment) => {
        c.comments.push(comment.trim());
        c.wake();
      },
    });
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    c.done = (async () => {
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          parser.feed(value);
        }
      } catch {
        // aborted
      } finally {
        c.ended = true;
        c.wake();
      }
    })();
    return c;
  }

  /** The error body when the stream was refused. */
  body = '';
  /** True once the server closed the stream. */
  ended = false;

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  /** Waits until `check` holds over what was received (fails after `timeoutMs`). */
  async until<T>(what: string, check: () => T | undefined | false, timeoutMs = 10_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = check();
      if (value) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; received ${JSON.stringify(this.events)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(0, deadline - Date.now()));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** The `message` events' data, in arrival order. */
  messages(): ReceivedEvent['data'][] {
    return this.events.filter((e) => e.event === 'message').map((e) => e.data);
  }

  /** Waits for a `message` event whose text is `text`. */
  message(text: string): Promise<ReceivedEvent['data']> {
    return this.until(`message "${text}"`, () => this.messages().find((m) => m.text === text));
  }

  async close(): Promise<void> {
    this.abort.abort();
    await this.done;
  }
}
