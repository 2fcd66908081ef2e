/**
 * One error type for everything a user can see. `code` is stable (clients and tests rely on it),
 * `status` is the HTTP status the error middleware answers with, `retryable` tells the crawler and
 * job runners whether trying again can help.
 */
export class CiteError extends Error {
  readonly code: string;
  readonly status: number;
  readonly retryable: boolean;
  readonly details?: unknown;
  /** Sent as Retry-After with the error response: when trying again may succeed. */
  readonly retryAfterSeconds?: number;

  constructor(
    code: string,
    message: string,
    options: { status?: number; retryable?: boolean; cause?: unknown; details?: unknown; retryAfterSeconds?: number } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CiteError';
    this.code = code;
    this.status = options.status ?? 500;
    this.retryable = options.retryable ?? false;
    this.details = options.details;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

export const badRequest = (code: string, message: string, details?: unknown) =>
  new CiteError(code, message, { status: 400, details });
export const notFound = (code: string, message: string) => new CiteError(code, message, { status: 404 });
export const conflict = (code: string, message: string) => new CiteError(code, message, { status: 409 });

export const isCiteError = (e: unknown): e is CiteError => e instanceof CiteError;
