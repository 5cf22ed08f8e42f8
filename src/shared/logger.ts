import pino from 'pino';

/** The structured logger used everywhere (pino). */
export type Logger = pino.Logger;

/**
 * Removes secrets from a URL before it is logged (DESIGN 4.1): `token`, `ticket` and
 * `access_token` query parameters, the embedded store's `sig`, presigned S3 URLs'
 * `X-Amz-Signature`, `X-Amz-Credential` and `X-Amz-Security-Token`, and the secret of a
 * calendar feed path (`/calendar/{secret}.ics`).
 */
export function redactUrlSecrets(url: string): string {
  let text = url;
  try {
    // The router matches decoded paths: `/%63alendar/…` is the feed too.
    text = decodeURI(url);
  } catch {
    // malformed escapes: redact the raw text
  }
  return text
    .replace(/([?&](?:token|ticket|access_token|sig|x-amz-signature|x-amz-credential|x-amz-security-token)=)[^&#]*/gi, '$1[REDACTED]')
    .replace(/^(\/+calendar\/)[^/?#]+/i, '$1[REDACTED]');
}

/**
 * Creates the process logger at `level`. Request logs carry method, URL without secrets, address
 * and request id, never headers; any `token`/`authorization` field is censored.
 */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level,
    redact: { paths: ['token', '*.token', 'authorization', '*.authorization', 'req.headers'], censor: '[REDACTED]' },
    serializers: {
      req(req: { method?: string; url?: string; ip?: string; id?: string }) {
        return { method: req.method, url: req.url ? redactUrlSecrets(req.url) : undefined, remoteAddress: req.ip, reqId: req.id };
      },
      err: pino.stdSerializers.err,
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
