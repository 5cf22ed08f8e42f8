import type { AppConfig } from './config.ts';
import type { DatabaseHandle } from './db/client.ts';
import { JobRunner } from './jobs/job-runner.ts';
import { AuthService } from './modules/auth/auth.service.ts';
import { EventsService } from './modules/events/events.service.ts';
import { MatchmakingService } from './modules/matchmaking/matchmaking.service.ts';
import { RegistrationsService } from './modules/registrations/registrations.service.ts';
import { SessionsService } from './modules/sessions/sessions.service.ts';
import { IceService } from './modules/ice/ice.service.ts';
import { createSignaling } from './modules/signaling/signaling.factory.ts';
import type { SignalingService } from './modules/signaling/signaling.service.ts';
import type { SignalingTickets } from './modules/signaling/signaling.tickets.ts';
import { SlotsService } from './modules/slots/slots.service.ts';
import type { Clock } from './shared/clock.ts';
import type { Logger } from './shared/logger.ts';

/** Every service of the process, wired once (main and tests build the same graph). */
export interface Services {
  auth: AuthService;
  events: EventsService;
  slots: SlotsService;
  registrations: RegistrationsService;
  sessions: SessionsService;
  matchmaking: MatchmakingService;
  signaling: SignalingService;
  signalingTickets: SignalingTickets;
  ice: IceService;
  jobs: JobRunner;
}

/**
 * Builds the service graph over an open database.
 * @throws Error when development auth is refused (production without JWT_SECRET).
 */
export function createServices(deps: { config: AppConfig; database: DatabaseHandle; clock: Clock; logger: Logger }): Services {
  const { config, database, clock, logger } = deps;
  const db = database.db;
  const auth = AuthService.create({
    jwtSecret: config.auth.jwtSecret,
    jwksUrl: config.auth.jwksUrl,
    issuer: config.auth.jwtIssuer,
    audience: config.auth.jwtAudience,
    dataDir: config.server.dataDir,
    production: config.server.nodeEnv === 'production',
  });
  const slots = new SlotsService(db, config.rules);
  const registrations = new RegistrationsService(db, config.rules, slots);
  const events = new EventsService(db);
  const { perUser, perAddress, windowMs } = config.inviteCodeAttempts;
  const sessions = new SessionsService(db, config.rules, registrations, events, {
    perUser: { maxFailures: perUser, windowMs },
    perAddress: { maxFailures: perAddress, windowMs },
  });
  const matchmaking = new MatchmakingService(db, slots, registrations, sessions);
  const { signaling, tickets: signalingTickets } = createSignaling({ config, sessions, clock, logger: logger.child({ module: 'signaling' }) });
  const ice = new IceService(config.turn);
  const jobs = new JobRunner(
    [
      { name: 'slot-generation', run: (now) => slots.generateRecurringSlots(now) },
      { name: 'matchmaking', run: (now) => matchmaking.run(now) },
      { name: 'session-lifecycle', run: (now) => sessions.runLifecycle(now) },
      { name: 'signaling-sweep', run: (now) => signaling.sweep(now) },
    ],
    logger.child({ module: 'jobs' }),
  );
  return { auth, events, slots, registrations, sessions, matchmaking, signaling, signalingTickets, ice, jobs };
}
