/**
 * HTTP schemas of the recording routes: the wire shapes are defined once in
 * `src/protocol/recordings.ts` (shared with the web client), re-exported here for the routes.
 */
export * from '../../protocol/recordings.ts';
export { IdParams } from '../../protocol/common.ts';
