import { Type } from 'typebox';
import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from 'fastify';
import { fingerprintOf, type IdempotencyHold, type IdempotencyService } from '../modules/idempotency/idempotency.service.ts';
import type { Executor } from '../db/client.ts';
import { currentUser } from './auth.ts';
import { ErrorBody } from './schemas.ts';

/** The optional `Idempotency-Key` request header: 1 to 255 visible ASCII characters (a UUID, say). */
export const IdempotencyKeyHeaders = Type.Object({
  'idempotency-key': Type.Optional(Type.String({ minLength: 1, maxLength: 255, pattern: '^[\\x21-\\x7E]+$', description: 'Retries with the same key and request get the first answer again (24 h)' })),
});

/** Error statuses an idempotent route adds: 422 for a key reused with another request. */
export const idempotencyResponses = { 422: ErrorBody };

/** Stores a route's answer `view` for the request's key, inside the work's transaction `tx`. */
export type StoreAnswer<T> = (tx: Executor, view: T) => Promise<void>;

/** Route-level hooks that make a route idempotent under `Idempotency-Key` (route options `preHandler`, `onSend`). */
export interface IdempotencyHooks {
  preHandler(request: FastifyRequest, reply: FastifyReply): Promise<unknown>;
  onSend(request: FastifyRequest, reply: FastifyReply, payload: unknown): Promise<unknown>;
  /**
   * For a handler whose service does its work in one transaction and knows the answer before it
   * commits: a function the service calls in that transaction, which serializes `view` as the
   * route answers `status` and stores it for the key. The work and its answer commit together:
   * no key is left pending by a crash after the work, and the answer needs no transaction of its
   * own. Undefined when the request has no key. The handler then answers with `send`.
   */
  answerInTransaction<T>(request: FastifyRequest, reply: FastifyReply, status: number): StoreAnswer<T> | undefined;
  /** Sends `view` with `status`: as the bytes stored by `answerInTransaction` when it ran, so a replay is identical. */
  send(request: FastifyRequest, reply: FastifyReply, status: number, view: unknown): FastifyReply;
}

/** What Fastify sends for a serialized JSON answer. */
const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * The hooks of an idempotent route (issue 13). They run after authentication (route hooks follow
 * the scope's), so keys are per user. `preHandler` claims the key or replays the stored answer
 * (with `Idempotent-Replayed: true`); `onSend` stores the answer the handler produced, or
 * releases the key for answers a retry may change. Requests without the header pass untouched.
 */
export function idempotencyHooks(service: IdempotencyService, logger: FastifyBaseLogger): IdempotencyHooks {
  const holds = new WeakMap<FastifyRequest, IdempotencyHold>();
  // Answers stored in the work's transaction; they count only if the request answers with that
  // status (a rollback after storing ends in an error answer, which `onSend` handles as usual).
  const storedInTx = new WeakMap<FastifyRequest, { status: number; body: string }>();
  return {
    answerInTransaction<T>(request: FastifyRequest, reply: FastifyReply, status: number): StoreAnswer<T> | undefined {
      const hold = holds.get(request);
      if (!hold) return undefined;
      return async (tx, view) => {
        // The route's response schema for `status`: the same bytes Fastify would send.
        const body = reply.code(status).serialize(view);
        if (typeof body !== 'string') return; // not JSON text: `onSend` stores it afterwards
        await service.complete(hold, { status, body, type: JSON_TYPE }, tx);
        storedInTx.set(request, { status, body });
      };
    },
    send(request, reply, status, view) {
      const stored = storedInTx.get(request);
      if (stored && stored.status === status) return reply.code(status).header('content-type', JSON_TYPE).send(stored.body);
      return reply.code(status).send(view);
    },
    async preHandler(request, reply) {
      const key = request.headers['idempotency-key'];
      if (typeof key !== 'string') return;
      const user = currentUser(request);
      const fingerprint = fingerprintOf({ method: request.method, route: request.routeOptions.url ?? request.url, params: request.params, body: request.body });
      const outcome = await service.begin(user.id, key, fingerprint);
      if (outcome.kind === 'execute') {
        holds.set(request, outcome.hold);
        return;
      }
      reply.header('idempotent-replayed', 'true');
      if (outcome.type) reply.header('content-type', outcome.type);
      return reply.status(outcome.status).send(outcome.body);
    },
    async onSend(request, reply, payload) {
      const hold = holds.get(request);
      if (!hold) return payload;
      holds.delete(request);
      const stored = storedInTx.get(request);
      storedInTx.delete(request);
      if (stored && stored.status === reply.statusCode) return payload;
      try {
        const body = typeof payload === 'string' ? payload : Buffer.isBuffer(payload) ? payload.toString('utf8') : null;
        const type = reply.getHeader('content-type');
        if (body === null) await service.release(hold);
        else await service.complete(hold, { status: reply.statusCode, body, type: typeof type === 'string' ? type : null });
      } catch (err) {
        // The answer still goes out; the key stays pending until it goes stale, then a retry runs anew.
        logger.warn({ err: { message: (err as Error).message } }, 'idempotency: the answer could not be stored');
      }
      return payload;
    },
  };
}
