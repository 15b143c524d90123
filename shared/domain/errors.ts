// Domain errors: thrown by pure logic, mapped to problem+json by shared/http/problem.ts.
import type { z } from 'zod';

export interface FieldIssue {
  /** Dotted path of the offending field, e.g. `alerts.0.labels`; empty for the whole body. */
  field: string;
  message: string;
}

/** The body could not be parsed at all (not JSON, not form data, wrong encoding). → 400 */
export class MalformedPayloadError extends Error {
  override readonly name = 'MalformedPayloadError';
  constructor(message: string) {
    super(message);
  }
}

/** The body parsed but does not have the shape or values required. → 422 */
export class ValidationError extends Error {
  override readonly name = 'ValidationError';
  constructor(
    message: string,
    readonly issues: FieldIssue[],
  ) {
    super(message);
  }

  static fromZod(message: string, error: z.ZodError, prefix = ''): ValidationError {
    return new ValidationError(
      message,
      error.issues.map((i) => ({
        field: [prefix, ...i.path.map(String)].filter(Boolean).join('.'),
        message: i.message,
      })),
    );
  }
}

/** A named thing does not exist (or is not visible to the caller). → 404 */
export class NotFoundError extends Error {
  override readonly name = 'NotFoundError';
  constructor(message: string) {
    super(message);
  }
}

/** A write lost a race or the target is in a state that forbids it. → 409 */
export class ConflictError extends Error {
  override readonly name = 'ConflictError';
  constructor(message: string) {
    super(message);
  }
}
