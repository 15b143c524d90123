// Opaque cursors for list endpoints: the DynamoDB position, base64url-encoded JSON.
import { ValidationError } from '../domain/errors';

export function encodeCursor(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

export function decodeCursor<T = Record<string, unknown>>(cursor: string | undefined): T | undefined {
  if (cursor === undefined || cursor === '') return undefined;
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error('not an object');
    return v as T;
  } catch {
    throw invalidCursor();
  }
}

export function invalidCursor(): ValidationError {
  return new ValidationError('The cursor is not valid.', [
    { field: 'cursor', message: 'Use the nextCursor value from a previous page, unchanged.' },
  ]);
}

export interface Page<T> {
  items: T[];
  nextCursor?: string;
}
