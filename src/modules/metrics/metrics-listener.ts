import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../../shared/logger.ts';
import type { MetricsService } from './metrics.service.ts';

/**
 * The `METRICS_PORT` listener (issue 14): a small HTTP server of its own that answers
 * `GET /metrics` only (404 for anything else), so that metrics can stay off the public port and
 * be reached only from the network the scraper lives in. With `METRICS_TOKEN` set it requires the
 * bearer token too (401 with `WWW-Authenticate` otherwise). Nothing listens before `start`.
 */
export class MetricsListener {
  private server: http.Server | null = null;

  constructor(
    private readonly metrics: MetricsService,
    private readonly where: { port: number; host: string },
    private readonly logger: Logger,
  ) {}

  /** Listens on `host:port`. @throws Error when the port cannot be bound (start-up fails loudly). */
  async start(): Promise<void> {
    if (this.server) return;
    const server = http.createServer((request, response) => void this.answer(request, response));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.where.port, this.where.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    this.logger.info({ host: this.where.host, port: this.port }, 'metrics listening');
  }

  /** The bound port (useful with `METRICS_PORT=0`); null before `start`. */
  get port(): number | null {
    const address = this.server?.address();
    return address && typeof address === 'object' ? (address as AddressInfo).port : null;
  }

  /** Stops listening and closes the scrapers' connections. */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }

  private async answer(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const path = (request.url ?? '/').split('?')[0];
    if (path !== '/metrics' || (request.method !== 'GET' && request.method !== 'HEAD')) {
      response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found: this port serves GET /metrics only\n');
      return;
    }
    const authorization = request.headers.authorization;
    if (!this.metrics.authorized(authorization)) {
      const challenge = authorization === undefined ? 'Bearer realm="conversation-service"' : 'Bearer realm="conversation-service", error="invalid_token"';
      response.writeHead(401, { 'content-type': 'text/plain; charset=utf-8', 'www-authenticate': challenge }).end('A valid metrics token is required\n');
      return;
    }
    try {
      const body = await this.metrics.scrape();
      response.writeHead(200, { 'content-type': this.metrics.contentType, 'cache-control': 'no-store' }).end(request.method === 'HEAD' ? undefined : body);
    } catch (err) {
      this.logger.error({ err }, 'metrics: scrape failed');
      response.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('Scrape failed\n');
    }
  }
}
