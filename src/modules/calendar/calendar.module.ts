import type { LiveCoursesService } from '../live-courses/live-courses.service.ts';
import type { ModuleContext, ServiceModule } from '../module.ts';
import type { RegistrationsService } from '../registrations/registrations.service.ts';
import { calendarFeedRoutes, calendarRoutes } from './calendar.routes.ts';
import { CalendarService } from './calendar.service.ts';

/**
 * The calendar (seed 004 "Synchronisation Calendrier"): `GET /api/calendar/events`, each user's
 * secret iCal feed and its rotation. Reads live sessions and booked slots through their modules' services.
 */
export function createCalendarModule(ctx: ModuleContext, deps: { live: LiveCoursesService; registrations: RegistrationsService }): ServiceModule<CalendarService> {
  const calendar = new CalendarService(ctx.db, deps.live, deps.registrations);
  const routeDeps = { calendar, clock: ctx.clock, publicUrl: ctx.config.server.publicUrl };
  return {
    name: 'calendar',
    service: calendar,
    routes: (scope) => calendarRoutes(scope, routeDeps),
    publicRoutes: (scope) => calendarFeedRoutes(scope, routeDeps),
    eraseUser: (tx, userId) => calendar.eraseUser(tx, userId),
  };
}
