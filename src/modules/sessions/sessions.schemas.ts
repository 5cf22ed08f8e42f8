/**
 * HTTP schemas of the session routes: the wire shapes are defined once in `src/protocol/sessions.ts`
 * (shared with the web client), re-exported here with the names the routes use.
 */
export * from '../../protocol/sessions.ts';
export { IdParams as SessionIdParams } from '../../protocol/common.ts';
export { Rating as RatingSchema, SessionParticipant as ParticipantSchema, Session as SessionSchema } from '../../protocol/sessions.ts';
