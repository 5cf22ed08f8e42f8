import { ErrorBody } from '../protocol/common.ts';

/** Error body of DESIGN 4.2 (defined in `src/protocol/common.ts`, shared with the web client). */
export { ErrorBody };

/** Response schemas for the error statuses every authenticated route may answer. */
export const errorResponses = {
  400: ErrorBody,
  401: ErrorBody,
  403: ErrorBody,
  404: ErrorBody,
  409: ErrorBody,
  429: ErrorBody,
};
