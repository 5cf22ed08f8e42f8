/**
 * HTTP schemas of the registration routes: the wire shapes are defined once in
 * `src/protocol/registrations.ts` (shared with the web client); the names the routes use are kept here.
 */
export { IdParams as RegistrationIdParams, IdParams as SlotIdParams } from '../../protocol/common.ts';
export { ListRegistrationsQuery, RegistrationPage, Registration as RegistrationSchema } from '../../protocol/registrations.ts';
