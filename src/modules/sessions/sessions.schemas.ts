/**
 * HTTP schemas of the session routes: the wire shapes are defined once in `src/protocol/sessions.ts`
 * (shared with the web client); the names the routes use are kept here.
 */
export { IdParams as SessionIdParams } from '../../protocol/common.ts';
export {
  ConsentBody,
  CreateSessionBody,
  HistoryPage,
  HistoryQuery,
  JoinSessionBody,
  ParticipantPage,
  RatingBody,
  Rating as RatingSchema,
  SessionParticipant as ParticipantSchema,
  Session as SessionSchema,
} from '../../protocol/sessions.ts';
