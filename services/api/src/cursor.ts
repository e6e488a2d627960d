import type { ZodType } from 'zod';
import { validationError } from './errors.ts';

/**
 * Opaque keyset cursors: base64url of a small JSON object. Opaque so clients
 * do not build them; validated on the way back in, so a forged or truncated
 * cursor is a 400 naming `query.cursor`, never a query error.
 */
export function encodeCursor(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

export function decodeCursor<T>(cursor: string, schema: ZodType<T>): T {
  if (cursor.length > 2048 || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw validationError('query.cursor', 'is not a cursor this API issued');
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw validationError('query.cursor', 'is not a cursor this API issued');
  }
  const result = schema.safeParse(parsed);
  if (!result.success) throw validationError('query.cursor', 'is not a cursor this API issued');
  return result.data;
}
