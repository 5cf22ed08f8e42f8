/**
 * HTTP schemas of the auth routes: the wire shapes are defined once in `src/protocol/auth.ts`
 * (shared with the web client), re-exported here with the names the routes use.
 */
export * from '../../protocol/auth.ts';
export { User as UserSchema } from '../../protocol/auth.ts';
