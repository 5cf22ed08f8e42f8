/**
 * HTTP schemas of the auth routes: the wire shapes are defined once in `src/protocol/auth.ts`
 * (shared with the web client).
 */
export { AuthConfig, DevToken, DevTokenBody, User as UserSchema } from '../../protocol/auth.ts';
