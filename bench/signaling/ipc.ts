/**
 * Request/response over the IPC channel of a forked child (`child_process.fork`): the parent
 * sends `{ id, type, body }`, the child answers `{ id, ok, body | error }`. Children also push
 * unsolicited `{ event, body }` messages (e.g. `ready`).
 */
import { fork, type ChildProcess } from 'node:child_process';

interface Request {
  id: number;
  type: string;
  body: unknown;
}
interface Response {
  id: number;
  ok: boolean;
  body?: unknown;
  error?: string;
}
interface Event {
  event: string;
  body: unknown;
}

/** The parent's handle on a child: `request` and `once(event)`. */
export class ChildHandle {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly events = new Map<string, unknown[]>();
  private readonly eventWaiters = new Map<string, ((v: unknown) => void)[]>();
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(
    readonly name: string,
    readonly proc: ChildProcess,
  ) {
    proc.on('message', (raw) => {
      const msg = raw as Response | Event;
      if ('event' in msg) {
        const waiters = this.eventWaiters.get(msg.event);
        if (waiters?.length) waiters.shift()!(msg.body);
        else this.events.set(msg.event, [...(this.events.get(msg.event) ?? []), msg.body]);
        return;
      }
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      if (msg.ok) p.resolve(msg.body);
      else p.reject(new Error(`${name}: ${msg.error}`));
    });
    this.exited = new Promise((resolve) => {
      proc.on('exit', (code, signal) => {
        for (const p of this.pending.values()) p.reject(new Error(`${name} exited (code ${code}, signal ${signal})`));
        this.pending.clear();
        resolve({ code, signal });
      });
    });
  }

  request<T>(type: string, body: unknown = null): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      if (!this.proc.connected) {
        reject(new Error(`${this.name} is gone (code ${this.proc.exitCode}, signal ${this.proc.signalCode})`));
        return;
      }
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.proc.send({ id, type, body } satisfies Request, (err) => {
        if (!err) return;
        this.pending.delete(id);
        reject(err);
      });
    });
  }

  /** The next `event` pushed by the child (buffered if it came already); rejects if the child exits first. */
  once<T>(event: string, timeoutMs = 120_000): Promise<T> {
    const buffered = this.events.get(event);
    if (buffered?.length) return Promise.resolve(buffered.shift() as T);
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.name}: no "${event}" within ${timeoutMs} ms`)), timeoutMs);
      void this.exited.then(({ code, signal }) => {
        clearTimeout(timer);
        reject(new Error(`${this.name} exited (code ${code}, signal ${signal}) before "${event}"`));
      });
      this.eventWaiters.set(event, [
        ...(this.eventWaiters.get(event) ?? []),
        (v) => {
          clearTimeout(timer);
          resolve(v as T);
        },
      ]);
    });
  }

  /** Waits for the child to exit, killing it after `graceMs`. */
  async stop(graceMs = 15_000): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}

/**
 * Forks a TypeScript child (through tsx), inheriting stdout/stderr (`stdoutToStderr`: its stdout
 * goes to our stderr, away from the printed report).
 */
export function forkTs(name: string, file: URL, opts: { env?: Record<string, string>; nodeArgs?: string[]; stdoutToStderr?: boolean; cwd?: string } = {}): ChildHandle {
  const proc = fork(file, [], {
    execArgv: ['--import', 'tsx', ...(opts.nodeArgs ?? [])],
    env: { ...process.env, ...opts.env },
    cwd: opts.cwd,
    stdio: ['ignore', opts.stdoutToStderr ? 2 : 'inherit', 'inherit', 'ipc'],
    serialization: 'advanced',
  });
  return new ChildHandle(name, proc);
}

type Handler = (body: never) => unknown;

/** Child side: answers the parent's requests with `handlers[type](body)`. */
export function serve(handlers: Record<string, Handler>): void {
  process.on('message', (raw) => {
    const { id, type, body } = raw as Request;
    const handler = handlers[type];
    void (async () => {
      try {
        if (!handler) throw new Error(`unknown request "${type}"`);
        const result = await handler(body as never);
        process.send!({ id, ok: true, body: result } satisfies Response);
      } catch (err) {
        process.send!({ id, ok: false, error: err instanceof Error ? (err.stack ?? err.message) : String(err) } satisfies Response);
      }
    })();
  });
}

/** Child side: pushes an event to the parent. */
export function emit(event: string, body: unknown = null): void {
  process.send!({ event, body } satisfies Event);
}
