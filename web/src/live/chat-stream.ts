import { createParser } from 'eventsource-parser';
import { tokenStore } from '../api.ts';
import { backoffDelay } from '../call/backoff.ts';
import type { ChatMessage, ChatStreamStatus } from '../types.ts';

/** What the chat stream tells its listener. */
export interface ChatStreamHandlers {
  onMessage(message: ChatMessage): void;
  onStatus(status: ChatStreamStatus): void;
  /** `connecting` (first time or again after a drop), `open`, or `closed` for good (refused). */
  onState(state: 'connecting' | 'open' | 'closed', error?: string): void;
}

/**
 * The live chat of a session over server-sent events (`GET …/chat/stream`), read with fetch so
 * that the bearer token travels in a header (EventSource cannot send one) and parsed with
 * `eventsource-parser`. On a drop it reconnects with backoff, sending `Last-Event-ID` (the last
 * `seq` it saw) so nothing is missed; a 4xx answer (not a participant, gone) stops it.
 * @returns a function that closes the stream.
 */
export function openChatStream(sessionId: string, handlers: ChatStreamHandlers): () => void {
  const abort = new AbortController();
  let lastSeq = 0;
  let attempt = 0;
  let closed = false;

  const run = async () => {
    while (!closed) {
      handlers.onState('connecting');
      try {
        const headers: Record<string, string> = { accept: 'text/event-stream' };
        const token = tokenStore.get();
        if (token) headers.authorization = `Bearer ${token}`;
        if (lastSeq > 0) headers['last-event-id'] = String(lastSeq);
        const res = await fetch(`/api/live-sessions/${encodeURIComponent(sessionId)}/chat/stream`, { headers, signal: abort.signal });
        if (res.status >= 400 && res.status < 500) {
          const body = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
          closed = true;
          handlers.onState('closed', body?.error?.message ?? `HTTP ${res.status}`);
          return;
        }
        if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
        handlers.onState('open');
        attempt = 0;
        const parser = createParser({
          onEvent: (event) => {
            if (event.event === 'message') {
              const m = JSON.parse(event.data) as ChatMessage;
              lastSeq = Math.max(lastSeq, m.seq);
              handlers.onMessage(m);
            } else if (event.event === 'status') handlers.onStatus(JSON.parse(event.data) as ChatStreamStatus);
          },
        });
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          parser.feed(value);
        }
      } catch {
        if (closed) return;
      }
      if (closed) return;
      await new Promise((r) => setTimeout(r, backoffDelay(attempt++)));
    }
  };
  void run();
  return () => {
    closed = true;
    abort.abort();
  };
}
