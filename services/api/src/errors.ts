import { ChartwatchError } from '@chartwatch/errors';

/**
 * Errors the API answers with on purpose: the codes of @chartwatch/errors' catalogue that carry an HTTP
 * status. The body is always `{ error: code, message, field? }` (see app.ts's error handler), the
 * message without the code in front.
 */
export type ApiErrorCode =
  | 'CW_ERR_VALIDATION'
  | 'CW_ERR_UNAUTHENTICATED'
  | 'CW_ERR_FORBIDDEN'
  | 'CW_ERR_NOT_FOUND'
  | 'CW_ERR_CONFLICT'
  | 'CW_ERR_RATE_LIMITED'
  | 'CW_ERR_PAYLOAD_TOO_LARGE'
  | 'CW_ERR_UNSUPPORTED_MEDIA_TYPE'
  | 'CW_ERR_NOT_READY'
  | 'CW_ERR_AUDIT_UNAVAILABLE'
  | 'CW_ERR_INTERNAL';

export class ApiError extends ChartwatchError {
  declare readonly code: ApiErrorCode;
  declare readonly statusCode: number;
  /** For validation errors: where the bad value was, e.g. `query.limit` or `body.reason`. */
  readonly field: string | undefined;
  constructor(code: ApiErrorCode, message: string, field?: string) {
    super(code, message);
    // The client reads the code in the body's `error`: the message is the words alone.
    this.message = message;
    this.name = 'ApiError';
    this.field = field;
  }
}

export interface ErrorBody {
  error: ApiErrorCode;
  message: string;
  field?: string;
}

export function errorBody(err: ApiError): ErrorBody {
  return err.field === undefined ? { error: err.code, message: err.message } : { error: err.code, field: err.field, message: err.message };
}

export const validationError = (field: string, message: string): ApiError => new ApiError('CW_ERR_VALIDATION', `${field}: ${message}`, field);
export const notFound = (what: string): ApiError => new ApiError('CW_ERR_NOT_FOUND', `${what} not found`);
