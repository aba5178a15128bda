// Typed domain errors. Services throw these; src/domain/error-status.ts is the one mapping of them
// to HTTP statuses (used by the error handler and the Idempotency-Key mechanism). The `code` is what clients see in the `error` field of the response body.

export type DomainErrorCode =
  | 'ValidationError'
  | 'Unauthorized'
  | 'Forbidden'
  | 'NotFound'
  | 'Conflict'
  | 'IdempotencyKeyReuse'
  | 'PaymentDeclined'
  | 'TooManyRequests'
  | 'ServiceUnavailable'

export abstract class DomainError extends Error {
  abstract readonly code: DomainErrorCode
  /** Extra, client-safe fields added to the error body (e.g. the current order status). */
  readonly details?: Record<string, unknown>

  constructor(message: string, details?: Record<string, unknown>) {
    super(message)
    this.name = new.target.name
    this.details = details
  }
}

export class ValidationError extends DomainError {
  readonly code = 'ValidationError'
}

export class UnauthorizedError extends DomainError {
  readonly code = 'Unauthorized'
}

export class ForbiddenError extends DomainError {
  readonly code = 'Forbidden'
}

export class NotFoundError extends DomainError {
  readonly code = 'NotFound'
}

export class ConflictError extends DomainError {
  readonly code = 'Conflict'
}

/** The same idempotency key was sent again with a different request. */
export class IdempotencyKeyReuseError extends DomainError {
  readonly code = 'IdempotencyKeyReuse'
}

export class PaymentDeclinedError extends DomainError {
  readonly code = 'PaymentDeclined'
}

export class TooManyRequestsError extends DomainError {
  readonly code = 'TooManyRequests'

  constructor(
    message: string,
    readonly retryAfterSeconds: number
  ) {
    super(message)
  }
}

export class ServiceUnavailableError extends DomainError {
  readonly code = 'ServiceUnavailable'
}
