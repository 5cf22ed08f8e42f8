import { Type, type Static, type TSchema } from 'typebox';

/**
 * Shapes shared by several areas of the wire protocol (DESIGN 4.2, 4.6): times, languages and
 * levels, ids in paths, pages and the error body.
 *
 * Everything under `src/protocol/` is the one source of the wire's shapes for the server (TypeBox
 * schemas that validate and document) and the web client (their `Static<>` types, imported with
 * `import type`). These files import `typebox` only: no server module, nothing Node-specific.
 */

/** An instant, ISO 8601 UTC (`2026-03-04T14:30:00.000Z`). */
export const DateTime = Type.String({ format: 'date-time' });
/** An instant (ISO 8601 UTC), or `null` while it has not happened. */
export const NullableDateTime = Type.Union([Type.String({ format: 'date-time' }), Type.Null()]);

/** CEFR level (seed 001). */
export const CefrLevel = Type.Union([Type.Literal('A1'), Type.Literal('A2'), Type.Literal('B1'), Type.Literal('B2'), Type.Literal('C1'), Type.Literal('C2')], {
  description: 'CEFR level',
});
export type CefrLevel = Static<typeof CefrLevel>;

/** A target language: ISO 639 code with an optional region (`en`, `pt-BR`). */
export const LanguageCode = Type.String({
  pattern: '^[a-z]{2,3}(-[A-Z]{2})?$',
  description: 'Target language, ISO 639 code such as "en" or "pt-BR"',
});

/** `/{id}` of a resource path (slot, registration, session). */
export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
export type IdParams = Static<typeof IdParams>;

/** `cursor` query parameter: `nextCursor` of the previous page (opaque). */
export const CursorParam = Type.Optional(Type.String({ maxLength: 300 }));
/** `limit` query parameter: items per page, 1 to 100, default 20. */
export const LimitParam = Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 }));

/** A page of a list (DESIGN 4.6): `nextCursor` is `null` on the last page. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** The schema of a `Page` of `item`s. */
export function PageOf<T extends TSchema>(item: T) {
  return Type.Object({ items: Type.Array(item), nextCursor: Type.Union([Type.String(), Type.Null()]) });
}

/**
 * Error body of DESIGN 4.2, for every failed REST call: a stable `code` (`SLOT_FULL`), a message
 * for people, the request id to quote, and `details` for some codes (validation issues).
 */
export const ErrorBody = Type.Object(
  {
    error: Type.Object({
      code: Type.String(),
      message: Type.String(),
      requestId: Type.String(),
      details: Type.Optional(Type.Any()),
    }),
  },
  { description: 'Error' },
);
export type ErrorBody = Static<typeof ErrorBody>;
