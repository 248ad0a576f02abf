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

/** The members every problem document (RFC 9457 §3.1, plus ours) has; details may not reuse them. */
export const ProblemMembers = ['type', 'title', 'status', 'detail', 'instance', 'code', 'requestId'] as const;

/**
 * What an error adds to its problem document, each under its own name (`orderStatus`, not
 * `status`): RFC 9457 §3.1 fixes `status` as the HTTP status code, so a domain's word can never
 * take its place. The type refuses the reserved names; {@link problemOf} also puts them last.
 */
export type ProblemDetails = Record<string, unknown> & { [K in (typeof ProblemMembers)[number]]?: never };

/**
 * The one error type of orderpulse. HTTP renders it as `application/problem+json`; the
 * Kafka runtime and job workers read `retryable` to decide between a retry and a dead letter.
 */
export class AppError extends Error {
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: ProblemDetails = {},
    readonly retryable: boolean = code === 'UNAVAILABLE' || code === 'INTERNAL',
  ) {
    super(message);
    this.name = 'AppError';
    this.status = ErrorCodes[code];
  }

  static notFound(what: string, details?: ProblemDetails): AppError {
    return new AppError('NOT_FOUND', `${what} not found`, details);
  }

  static forbidden(message = 'not allowed', details?: ProblemDetails): AppError {
    return new AppError('FORBIDDEN', message, details);
  }

  static invalid(message: string, details?: ProblemDetails): AppError {
    return new AppError('INVALID_INPUT', message, details);
  }

  static conflict(message: string, details?: ProblemDetails): AppError {
    return new AppError('CONFLICT', message, details);
  }
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}
