import type { ServerResponse } from 'node:http';
import type { LiveBusMessage } from './live-bus.ts';

/** How often an idle chat stream gets a comment line, so proxies and browsers keep it open. */
export const KEEP_ALIVE_MS = 15_000;

/** One open server-sent-events response. */
interface OpenStream {
  res: ServerResponse;
  close: () => void;
}

/**
 * The chat streams open on this instance (`GET /api/live-sessions/{id}/chat/stream`, server-sent
 * events): writes events in the `text/event-stream` format, sends keep-alive comments, and ends
 * every stream when the module stops (a hijacked response would otherwise keep the server open).
 */
export class ChatStreams {
  private readonly open = new Set<OpenStream>();

  get size(): number {
    return this.open.size;
  }

  /** Writes the response head and registers the stream; `close` runs once when it ends, either side. */
  begin(res: ServerResponse, close: () => void): OpenStream {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      // nginx buffers responses unless told not to.
      'x-accel-buffering': 'no',
    });
    // Reconnect after 2 s when the connection drops (the page's own loop also backs off).
    res.write('retry: 2000\n\n');
    let closed = false;
    const stream: OpenStream = {
      res,
      close: () => {
        if (closed) return;
        closed = true;
        this.open.delete(stream);
        close();
        if (!res.writableEnded) res.end();
      },
    };
    res.on('close', stream.close);
    this.open.add(stream);
    return stream;
  }

  /** Writes one bus message as an event: `message` (id: its seq) or `status`. */
  static write(stream: OpenStream, m: LiveBusMessage): void {
    if (stream.res.writableEnded) return;
    if (m.kind === 'message') stream.res.write(`id: ${m.message.seq}\nevent: message\ndata: ${JSON.stringify(m.message)}\n\n`);
    else stream.res.write(`event: status\ndata: ${JSON.stringify(m.status)}\n\n`);
  }

  /** A comment line on every open stream (called every `KEEP_ALIVE_MS`). */
  keepAlive(): void {
    for (const s of this.open) if (!s.res.writableEnded) s.res.write(': keep-alive\n\n');
  }

  /** Ends every open stream (module stop). */
  closeAll(): void {
    for (const s of [...this.open]) s.close();
  }
}
