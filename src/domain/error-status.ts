// The one mapping of domain errors to HTTP: status by error code, and the client-safe body
// `{ error, message, ...details }`. The error handler sends it; the idempotency mechanism stores it so
// a replayed request gets exactly the answer the first one got.
import type { DomainError, DomainErrorCode } from './errors'

const STATUS_BY_CODE: Record<DomainErrorCode, number> = {
  ValidationError: 400,
  Unauthorized: 401,
  PaymentDeclined: 402,
  Forbidden: 403,
  NotFound: 404,
  Conflict: 409,
  IdempotencyKeyReuse: 422,
  TooManyRequests: 429,
  ServiceUnavailable: 503
}

export interface DomainErrorBody {
  error: DomainErrorCode
  message: string
  [detail: string]: unknown
}

export function statusOfDomainError(error: DomainError): number {
  return STATUS_BY_CODE[error.code]
}

/** The response body of a domain error, without the per-request `requestId`. */
export function bodyOfDomainError(error: DomainError): DomainErrorBody {
  // Details first, so a detail can never overwrite the code or the message.
  return { ...error.details, error: error.code, message: error.message }
}

/**
 * Seconds the client should wait before retrying (the Retry-After header), for errors that say
 * "later": 429 (rate limits) and 503 (a dependency is down, e.g. the table store).
 */
export function retryAfterOfDomainError(error: DomainError): number | undefined {
  const seconds = (error as DomainError & { retryAfterSeconds?: unknown }).retryAfterSeconds
  const status = statusOfDomainError(error)
  return (status === 429 || status === 503) && typeof seconds === 'number' ? seconds : undefined
}
