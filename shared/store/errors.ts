// Errors the store raises on its own account (the domain's are in shared/domain/errors.ts). The HTTP
// layer maps them to problems (shared/http/problem.ts); this module imports nothing, so that mapping
// does not pull the DynamoDB client into functions that never touch the table.

/** Store failures are transient: the caller should retry. */
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
