/**
 * HTTP schemas of the registration routes: the wire shapes are defined once in
 * `src/protocol/registrations.ts` (shared with the web client), re-exported here with the names
 * the routes use.
 */
export * from '../../protocol/registrations.ts';
export { IdParams as RegistrationIdParams, IdParams as SlotIdParams } from '../../protocol/common.ts';
export { Registration as RegistrationSchema } from '../../protocol/registrations.ts';
