import { AppError } from '../../shared/errors.ts';

/** Every error the registrations module raises, by stable code (seed 000 §5.1, DESIGN 4.2). */
export const RegistrationErrors = {
  slotNotFound: () => new AppError('not_found', 'SLOT_NOT_FOUND', 'No such time slot'),
  slotInactive: () => new AppError('conflict', 'SLOT_INACTIVE', 'This time slot is no longer offered'),
  /** `RULES_REGISTRATION_CUTOFF` before the start (seed 000 §5.1); `closedAt` ISO 8601 UTC. */
  registrationClosed: (closedAt: string) => new AppError('conflict', 'REGISTRATION_CLOSED', `Registration closed at ${closedAt}`, { closedAt }),
  alreadyRegistered: () => new AppError('conflict', 'ALREADY_REGISTERED', 'You are already registered to this time slot'),
  /** Seed 000 §5.1: at most `limit` active registrations per user. */
  tooMany: (limit: number) => new AppError('limit_reached', 'TOO_MANY_REGISTRATIONS', `At most ${limit} active registrations per user`, { limit }),
  slotFull: () => new AppError('conflict', 'SLOT_FULL', 'This time slot is full'),
  /** Unknown, or not the caller's (no existence leak). */
  notFound: () => new AppError('not_found', 'REGISTRATION_NOT_FOUND', 'No such registration'),
  notCancellable: (status: string) => new AppError('conflict', 'NOT_CANCELLABLE', `The registration is ${status}`, { status }),
  /** `RULES_CANCELLATION_CUTOFF` before the start (seed 000 §5.1); `closedAt` ISO 8601 UTC. */
  cancellationClosed: (closedAt: string) => new AppError('conflict', 'CANCELLATION_CLOSED', `Cancellation closed at ${closedAt}`, { closedAt }),
} as const;
