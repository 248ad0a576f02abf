/** The closed set of error codes, each with its HTTP status. */
export const ErrorCodes = {
  INVALID_INPUT: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  WINDOW_CLOSED: 409,
  ILLEGAL_TRANSITION: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  UNPROCESSABLE: 422,
  RATE_LIMITED: 429,
  UNAVAILABLE: 503,
  INTERNAL: 500,
} as const;

export type ErrorCode = keyof typeof ErrorCodes;

/**
 * The one error type of orderpulse. HTTP renders it as `application/problem+json`; the
 * Kafka runtime and job workers read `retryable` to decide between a retry and a dead letter.
 */
export class AppError extends Error {
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
    readonly retryable: boolean = code === 'UNAVAILABLE' || code === 'INTERNAL',
  ) {
    super(message);
    this.name = 'AppError';
    this.status = ErrorCodes[code];
  }

  static notFound(what: string, details?: Record<string, unknown>): AppError {
    return new AppError('NOT_FOUND', `${what} not found`, details);
  }

  static forbidden(message = 'not allowed', details?: Record<string, unknown>): AppError {
    return new AppError('FORBIDDEN', message, details);
  }

  static invalid(message: string, details?: Record<string, unknown>): AppError {
    return new AppError('INVALID_INPUT', message, details);
  }

  static conflict(message: string, details?: Record<string, unknown>): AppError {
    return new AppError('CONFLICT', message, details);
  }
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}
