import { buildApp } from './app.ts';
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
  const database = await openDatabase({ databaseUrl: config.database.url, dataDir: config.server.dataDir });
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
  const app = await buildApp({ config, services, database, clock, logger });
  // Modules start in the container's order (with REDIS_URL, signaling fails start-up if Redis is down).
  await startModules(services.modules);
  await app.listen({ port: config.server.port, host: config.server.host });
  services.jobs.start(config.server.jobsIntervalMs, () => clock.now());

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    try {
      await services.jobs.stop();
      await stopModules(services.modules);
      await app.close();
      await database.close();
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
