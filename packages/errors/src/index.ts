/**
 * The catalogue of every error chartwatch raises on purpose (fastify's FST_ERR_… style): a stable code an
 * operator can grep for and a caller can branch on without parsing text, what it means, and the HTTP
 * status the API answers with where the error reaches a client. The API's errors are part of it.
 */
export const ERROR_CODES = {
  CW_ERR_CONFIG: { statusCode: null, meaning: 'a bad environment variable or CLI flag' },
  CW_ERR_EVENT_INVALID: { statusCode: null, meaning: 'an access event that is not valid' },
  CW_ERR_REFERENCE_INVALID: { statusCode: null, meaning: 'a reference CSV with a bad row or column' },
  CW_ERR_RULE_INVALID: { statusCode: null, meaning: 'a rule file the schema refuses' },
  CW_ERR_STORE: { statusCode: null, meaning: 'ClickHouse refused or failed a statement' },
  CW_ERR_BUS: { statusCode: null, meaning: 'Kafka or the in-process queue failed' },
  CW_ERR_MODEL: { statusCode: null, meaning: 'a model file that cannot be read or used' },
  CW_ERR_INPUT: { statusCode: null, meaning: 'an input file that cannot be read' },
  CW_ERR_VALIDATION: { statusCode: 400, meaning: 'a request parameter or body field is not valid' },
  CW_ERR_UNAUTHENTICATED: { statusCode: 401, meaning: 'no valid credentials' },
  CW_ERR_FORBIDDEN: { statusCode: 403, meaning: 'the caller\'s role may not do this' },
  CW_ERR_NOT_FOUND: { statusCode: 404, meaning: 'no such alert, investigation, key or route' },
  CW_ERR_CONFLICT: { statusCode: 409, meaning: 'the resource changed, or cannot move to that state' },
  CW_ERR_PAYLOAD_TOO_LARGE: { statusCode: 413, meaning: 'the request body is too large' },
  CW_ERR_UNSUPPORTED_MEDIA_TYPE: { statusCode: 415, meaning: 'the request body is not JSON' },
  CW_ERR_RATE_LIMITED: { statusCode: 429, meaning: 'too many requests' },
  CW_ERR_INTERNAL: { statusCode: 500, meaning: 'an unexpected failure (logged with a request id)' },
  CW_ERR_NOT_READY: { statusCode: 503, meaning: 'a dependency (ClickHouse) is not answering' },
  CW_ERR_AUDIT_UNAVAILABLE: { statusCode: 503, meaning: 'the API audit trail cannot be written, so the answer is withheld' },
} as const satisfies Record<string, { statusCode: number | null; meaning: string }>;
export type ErrorCode = keyof typeof ERROR_CODES;

export class ChartwatchError extends Error {
  readonly code: ErrorCode;
  /** The HTTP status the API answers with for this code (ERROR_CODES), null for errors that never reach a client. */
  readonly statusCode: number | null;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(`${code}: ${message}`, options);
    this.name = 'ChartwatchError';
    this.code = code;
    this.statusCode = ERROR_CODES[code].statusCode;
  }
}

/** A bad environment variable or CLI flag: names the setting and the expected form. */
export class ConfigError extends ChartwatchError {
  readonly setting: string;
  constructor(setting: string, problem: string) {
    super('CW_ERR_CONFIG', `${setting}: ${problem}`);
    this.name = 'ConfigError';
    this.setting = setting;
  }
}

/** A file the operator wrote (rule, reference CSV) is wrong: names file, field and value. */
export class FileContentError extends ChartwatchError {
  readonly file: string;
  readonly field: string;
  constructor(code: 'CW_ERR_RULE_INVALID' | 'CW_ERR_REFERENCE_INVALID' | 'CW_ERR_INPUT', file: string, field: string, problem: string) {
    super(code, `${file}: ${field}: ${problem}`);
    this.name = 'FileContentError';
    this.file = file;
    this.field = field;
  }
}

export function isChartwatchError(err: unknown): err is ChartwatchError {
  return err instanceof ChartwatchError;
}
