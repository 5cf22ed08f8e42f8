import { buildApp, type Lifecycle } from './app.ts';
import { ConfigError, loadConfig } from './config.ts';
import { createServices } from './container.ts';
import { startModules, stopModules } from './modules/module.ts';
import { openDatabase, redactUrl } from './db/client.ts';
import { systemClock } from './shared/clock.ts';
import { createLogger } from './shared/logger.ts';

/** Process entry: configuration, logger, database, app, jobs, graceful shutdown (DESIGN 7). */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
  const logger = createLogger(config.server.logLevel);
  const database = await openDatabase({
    databaseUrl: config.database.url,
    dataDir: config.server.dataDir,
    poolSize: config.database.poolSize,
    connectTimeoutMs: config.database.connectTimeoutMs,
    statementTimeoutMs: config.database.statementTimeoutMs,
  });
  logger.info(
    { database: database.kind, where: config.database.url ? redactUrl(config.database.url) : config.server.dataDir },
    'database ready (migrations applied)',
  );
  const clock = systemClock;
  const services = createServices({ config, database, clock, logger });
  if (services.auth.devMode) {
    logger.warn(
      { secretFile: `${config.server.dataDir}/dev-jwt-secret` },
      'JWT_SECRET is not set: development mode, tokens are signed with a generated secret and anyone can sign in with a name. Never use this in production.',
    );
  }
  const lifecycle: Lifecycle = { draining: false };
  const app = await buildApp({ config, services, database, clock, logger, lifecycle });
  // Modules start in the container's order (with REDIS_URL, signaling fails start-up if Redis is down).
  await startModules(services.modules);
  await app.listen({ port: config.server.port, host: config.server.host });
  services.jobs.start(config.server.jobsIntervalMs, () => clock.now());

  // Graceful stop (issue 13): /readyz red and new requests turned away first; then the jobs stop
  // between runs, the modules stop (signaling closes its sockets with 1001), requests in flight
  // finish, the database closes, exit 0. A second signal, or SHUTDOWN_TIMEOUT running out, exits at once.
  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) {
      logger.warn({ signal }, 'second signal while draining: exiting now');
      process.exit(1);
    }
    closing = true;
    lifecycle.draining = true;
    logger.info({ signal, drainTimeoutMs: config.server.shutdownTimeoutMs }, 'draining');
    const force = setTimeout(() => {
      logger.error({ drainTimeoutMs: config.server.shutdownTimeoutMs }, 'drain time ran out: exiting now');
      process.exit(1);
    }, config.server.shutdownTimeoutMs);
    force.unref();
    try {
      // Load balancers poll /readyz: give them a moment to see this instance go red.
      if (config.server.shutdownDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, config.server.shutdownDelayMs));
      await services.jobs.stop();
      await stopModules(services.modules);
      await app.close();
      await database.close();
      logger.info('stopped');
      process.exit(0);
    } catch (err) {
      logger.error({ err }, 'error during shutdown');
      process.exit(1);
    }
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((err) => {
  // Fail loudly: never start with an empty or wrong database.
  console.error(`conversation-service failed to start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
