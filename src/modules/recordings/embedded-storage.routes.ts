import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fastifyRateLimit from '@fastify/rate-limit';
import type { EmbeddedStorage, SignedQuery } from './embedded-storage.ts';
import { OBJECTS_ROUTE } from './embedded-storage.ts';
import { RecordingErrors } from './recordings.errors.ts';
import type { UrlGrant } from './url-signature.ts';

/** Bodies beyond this are cut off before any URL's own limit is looked at (the grant's `max` is checked too). */
const BODY_LIMIT = 8 * 1024 * 1024;

/** Uploads whose signed URL checked out in `onRequest`, before their body is read. */
const grants = new WeakMap<FastifyRequest, UrlGrant>();

/**
 * The embedded store's object routes (DESIGN 3), outside the authenticated scope: the signed URL
 * is the authorization. `PUT {OBJECTS_ROUTE}/{key}?expires&type&max&sig` stores a chunk,
 * `GET`/`HEAD {OBJECTS_ROUTE}/{key}?expires&sig` serves a file. Refusals answer as S3 would
 * (403 bad or expired signature) or with a clear 400 (wrong `Content-Type`, body over the URL's
 * `max`), before anything is stored; the signature never reaches the logs (`redactUrlSecrets`).
 */
export async function embeddedStorageRoutes(app: FastifyInstance, deps: { storage: EmbeddedStorage; perMinute: number }): Promise<void> {
  const { storage } = deps;
  await app.register(async (scope) => {
    await scope.register(fastifyRateLimit, { max: deps.perMinute, timeWindow: 60_000 });
    // Chunks are bytes whatever their type says: no JSON or text parsing here.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: BODY_LIMIT }, (_request, body, done) => done(null, body));

    scope.put<{ Params: { '*': string }; Querystring: SignedQuery }>(
      `${OBJECTS_ROUTE}/*`,
      {
        schema: { hide: true },
        bodyLimit: BODY_LIMIT,
        // Checked before the body is read: a refused upload costs no disk and stores nothing.
        onRequest: async (request) => {
          const auth = storage.authorize('PUT', request.params['*'], request.query);
          if (!auth.ok) throw refusal(auth.refusal);
          const { grant } = auth;
          const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
          if (type !== grant.contentType) throw RecordingErrors.wrongContentType(grant.contentType!);
          const length = Number(request.headers['content-length']);
          if (Number.isFinite(length) && length > grant.maxBytes!) throw RecordingErrors.partTooLarge(null, length, grant.maxBytes!);
          grants.set(request, grant);
        },
      },
      async (request, reply) => {
        const grant = grants.get(request)!;
        const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
        if (body.length > grant.maxBytes!) throw RecordingErrors.partTooLarge(null, body.length, grant.maxBytes!);
        const etag = await storage.write(grant.key, body);
        return reply.status(200).header('etag', etag).send();
      },
    );

    // GET serves the file; HEAD (its own route, so the file is not read) its headers only.
    const serve = (withBody: boolean) => async (request: FastifyRequest<{ Params: { '*': string }; Querystring: SignedQuery }>, reply: FastifyReply) => {
      const key = request.params['*'];
      const auth = storage.authorize(withBody ? 'GET' : 'HEAD', key, request.query);
      if (!auth.ok) throw refusal(auth.refusal);
      const object = await storage.open(key);
      if (!object) throw RecordingErrors.objectNotFound();
      reply.header('content-type', object.contentType).header('content-length', String(object.sizeBytes)).header('cache-control', 'private, no-store');
      return withBody ? reply.send(object.stream()) : reply.send();
    };
    scope.get(`${OBJECTS_ROUTE}/*`, { schema: { hide: true }, exposeHeadRoute: false }, serve(true));
    scope.head(`${OBJECTS_ROUTE}/*`, { schema: { hide: true } }, serve(false));
  });
}

function refusal(reason: 'mismatch' | 'expired' | 'malformed') {
  return reason === 'expired' ? RecordingErrors.urlExpired() : RecordingErrors.signatureMismatch();
}
