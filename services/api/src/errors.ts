/**
 * Errors the API answers with on purpose. Each has a stable code a client can
 * branch on and an HTTP status; the body is always
 * `{ error: code, message, field? }` (see app.ts's error handler).
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

const STATUS: Record<ApiErrorCode, number> = {
  CW_ERR_VALIDATION: 400,
  CW_ERR_UNAUTHENTICATED: 401,
  CW_ERR_FORBIDDEN: 403,
  CW_ERR_NOT_FOUND: 404,
  CW_ERR_CONFLICT: 409,
  CW_ERR_PAYLOAD_TOO_LARGE: 413,
  CW_ERR_UNSUPPORTED_MEDIA_TYPE: 415,
  CW_ERR_RATE_LIMITED: 429,
  CW_ERR_NOT_READY: 503,
  CW_ERR_AUDIT_UNAVAILABLE: 503,
  CW_ERR_INTERNAL: 500,
};

export class ApiError extends Error {
  readonly code: ApiErrorCode;
  readonly statusCode: number;
  /** For validation errors: where the bad value was, e.g. `query.limit` or `body.reason`. */
  readonly field: string | undefined;
  constructor(code: ApiErrorCode, message: string, field?: string) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.statusCode = STATUS[code];
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
