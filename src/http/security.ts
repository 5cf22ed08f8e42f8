import type { FastifyInstance } from 'fastify';
import helmet from 'helmet';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** `false`: this route's answers go without the security headers (the signaling upgrade, which `ws` answers itself). */
    securityHeaders?: boolean;
  }
}

/** Origins the web client talks to besides its own (object storage for recordings, Jitsi for live courses). */
export interface ContentSources {
  /** Where the browser PUTs recording chunks and plays recordings from (S3/R2 endpoint origin). */
  storage: readonly string[];
  /** Where the Jitsi IFrame API script and its frame come from (`JITSI_URL`'s origin). */
  jitsi: readonly string[];
}

/**
 * Security headers on every answer (issue 13), through `helmet`:
 * - `Referrer-Policy: no-referrer`, so a `?token=` never leaks to another site through a referrer;
 * - a Content Security Policy the web client passes: scripts, styles and connections from the
 *   service itself (the signaling WebSocket included), plus the storage and Jitsi origins it needs;
 *   media and images may be `blob:` (the camera preview, recorded audio); no plugins, no framing
 *   by other sites;
 * - `X-Content-Type-Options: nosniff`, and helmet's other defaults (HSTS, frame and
 *   cross-origin policies). The API docs at `/docs` set their own CSP (`@fastify/swagger-ui`).
 */
export function installSecurityHeaders(app: FastifyInstance, sources: ContentSources): void {
  // helmet's middleware is built once: @fastify/helmet 13 builds it again for every request,
  // parsing the CSP directives each time (3 % of a registration's CPU at 100 clients, issue 14).
  const apply = helmet({
    referrerPolicy: { policy: 'no-referrer' },
    crossOriginEmbedderPolicy: false, // the Jitsi frame and S3 media are cross-origin resources
    crossOriginResourcePolicy: { policy: 'same-site' },
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'", ...sources.jitsi],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:', 'blob:'],
        mediaSrc: ["'self'", 'blob:', ...sources.storage],
        connectSrc: ["'self'", ...sources.storage],
        frameSrc: [...(sources.jitsi.length > 0 ? sources.jitsi : ["'none'"])],
        fontSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'self'"],
      },
    },
  });
  app.addHook('onRequest', (request, reply, done) => {
    if (request.routeOptions.config?.securityHeaders === false) return done();
    apply(request.raw, reply.raw, (err?: unknown) => done(err as Error | undefined));
  });
}
