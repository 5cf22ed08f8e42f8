import { Type } from 'typebox';

/** Error body of DESIGN 4.2. */
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

/** Response schemas for the error statuses every authenticated route may answer. */
export const errorResponses = {
  400: ErrorBody,
  401: ErrorBody,
  403: ErrorBody,
  404: ErrorBody,
  409: ErrorBody,
  429: ErrorBody,
};
