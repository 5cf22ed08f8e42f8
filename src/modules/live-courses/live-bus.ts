import type { ChatMessage, ChatStreamStatus } from '../../protocol/live-courses.ts';

/** What a live session's listeners (the chat streams of its participants' pages) are told. */
export type LiveBusMessage = { kind: 'message'; sessionId: string; message: ChatMessage } | { kind: 'status'; sessionId: string; status: ChatStreamStatus };

/**
 * Fan-out of a live session's chat and status changes to the chat streams open on every
 * instance (seed 004 §5: "delivered live to connected participants"). In process by default;
 * Redis pub/sub with `REDIS_URL` (`redis-live-bus.ts`). Delivery is at most once: a page that
 * missed something (a reconnect, Redis away) catches up from the database with `Last-Event-ID`.
 */
export interface LiveBus {
  /** Connects (Redis). @throws Error when Redis cannot be reached. */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Sends to every listener of `message.sessionId`, on every instance; failures are the caller's to log. */
  publish(message: LiveBusMessage): Promise<void>;
  /** Listens to one session. @returns the unsubscribe function. */
  subscribe(sessionId: string, listener: (message: LiveBusMessage) => void): Promise<() => void>;
}

/** Listeners by session, shared by both adapters (each delivers what reaches this instance). */
export class LocalListeners {
  private readonly bySession = new Map<string, Set<(m: LiveBusMessage) => void>>();

  /** @returns whether this is the session's first listener, and the unsubscribe function (true when it was the last). */
  add(sessionId: string, listener: (m: LiveBusMessage) => void): { first: boolean; remove: () => boolean } {
    let set = this.bySession.get(sessionId);
    const first = !set;
    if (!set) this.bySession.set(sessionId, (set = new Set()));
    set.add(listener);
    return {
      first,
      remove: () => {
        const s = this.bySession.get(sessionId);
        if (!s?.delete(listener)) return false;
        if (s.size > 0) return false;
        this.bySession.delete(sessionId);
        return true;
      },
    };
  }

  deliver(message: LiveBusMessage): void {
    for (const listener of [...(this.bySession.get(message.sessionId) ?? [])]) {
      try {
        listener(message);
      } catch {
        // one broken stream must not keep the message from the others
      }
    }
  }
}

/** One instance: delivery within the process. */
export class MemoryLiveBus implements LiveBus {
  private readonly listeners = new LocalListeners();
  async start(): Promise<void> {}
  async stop(): Promise<void> {}
  async publish(message: LiveBusMessage): Promise<void> {
    this.listeners.deliver(message);
  }
  async subscribe(sessionId: string, listener: (message: LiveBusMessage) => void): Promise<() => void> {
    const { remove } = this.listeners.add(sessionId, listener);
    return () => void remove();
  }
}
