/**
 * Every error chartwatch raises on purpose carries a stable code, so an
 * operator can grep for it and a caller can branch on it without parsing text.
 */
export type ErrorCode =
  | 'CW_ERR_CONFIG'
  | 'CW_ERR_EVENT_INVALID'
  | 'CW_ERR_REFERENCE_INVALID'
  | 'CW_ERR_RULE_INVALID'
  | 'CW_ERR_STORE'
  | 'CW_ERR_BUS'
  | 'CW_ERR_MODEL'
  | 'CW_ERR_INPUT';

export class ChartwatchError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(`${code}: ${message}`, options);
    this.name = 'ChartwatchError';
    this.code = code;
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
