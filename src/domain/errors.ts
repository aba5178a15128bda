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

/** What a 503 tells the client to wait before retrying (Retry-After), in seconds. */
export const SERVICE_UNAVAILABLE_RETRY_AFTER_SECONDS = 5

/** A dependency is down or overloaded for now: 503 with Retry-After; the same request may succeed later. */
export class ServiceUnavailableError extends DomainError {
  readonly code = 'ServiceUnavailable'
  readonly retryAfterSeconds: number = SERVICE_UNAVAILABLE_RETRY_AFTER_SECONDS
}

/**
 * The table store (DynamoDB) could not answer: unreachable, timed out, throttled or failing (5xx).
 * Thrown by the DynamoDB adapters (adapters/dynamodb/store-availability.ts) in place of the SDK's
 * error, so services never see SDK types. Its name is the error the saga's Retry matches (a Lambda's
 * errorType is the thrown error's name); the SDK's error is its `cause`.
 */
export class StoreUnavailableError extends ServiceUnavailableError {
  override readonly name = 'StoreUnavailableError'

  constructor(
    /** The SDK's error name or network error code, for logs and the saga's Cause (no secrets in it). */
    readonly reason: string,
    cause?: unknown
  ) {
    super(`The data store is temporarily unavailable (${reason}); please retry shortly.`)
    if (cause !== undefined) this.cause = cause
  }
}
