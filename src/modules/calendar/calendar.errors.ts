import { AppError } from '../../shared/errors.ts';

/** Every error the calendar module raises, by stable code. */
export const CalendarErrors = {
  /** Unknown or rotated feed secret (no hint which). */
  feedNotFound: () => new AppError('not_found', 'CALENDAR_FEED_NOT_FOUND', 'No such calendar feed'),
  invalidRange: (message: string) => new AppError('validation', 'INVALID_RANGE', message),
} as const;
