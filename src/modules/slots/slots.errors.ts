import { AppError } from '../../shared/errors.ts';

/**
 * Every error the slots module raises, by stable code (seed 000 §4.1, §5.1, DESIGN 4.2). The web
 * client translates each code (`web/src/i18n/`); the messages here are for API users and logs.
 */
export const SlotErrors = {
  notFound: () => new AppError('not_found', 'SLOT_NOT_FOUND', 'No such time slot'),
  /** Bad field combinations of a creation or an edit; `problems` lists each. */
  invalid: (problems: string[]) => new AppError('validation', 'INVALID_SLOT', problems.join('; '), { problems }),
  /** Registration closed (or matchmaking ran): the slot is settled and can no longer be changed; `closedAt` ISO 8601 UTC. */
  closed: (closedAt: string) => new AppError('conflict', 'SLOT_CLOSED', `Registration for this slot closed at ${closedAt}: it can no longer be changed`, { closedAt }),
  /**
   * Learners registered to a slot whose start, duration, language or level an admin tries to
   * change: what they signed up for stays as it was (deactivate the slot, which tells them, and
   * create another). `fields` are the refused changes.
   */
  hasRegistrations: (registered: number, fields: string[]) =>
    new AppError('conflict', 'SLOT_HAS_REGISTRATIONS', `${registered} learner(s) registered: ${fields.join(', ')} can no longer change`, { registered, fields }),
  /** A capacity below the registrations already taken. */
  capacityBelowRegistrations: (registered: number) =>
    new AppError('conflict', 'CAPACITY_BELOW_REGISTRATIONS', `${registered} learner(s) registered: the capacity cannot go below that`, { registered }),
  /** An occurrence of a series keeps the series' time (the generator would make the original one again). */
  seriesTimeFixed: () => new AppError('conflict', 'SERIES_TIME_FIXED', 'An occurrence of a recurring series keeps the series time; deactivate it and create a one-off slot instead'),
} as const;
