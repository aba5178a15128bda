// What the services see when DynamoDB is down, on AWS and locally: a failure that says "the store
// cannot answer now" (network error, timeout — see adapters/aws/client-limits.ts —, throttling, 5xx)
// reaches them as StoreUnavailableError (HTTP 503 with Retry-After; the saga's Retry waits it out),
// never as an SDK error. Answers of the store (a failed condition, a validation error, a transaction
// conflict) pass through unchanged: the repositories read those.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { StoreUnavailableError } from '../../domain/errors'

/** Network failures of a request that never got an answer (Node's error codes). */
const NETWORK_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EADDRNOTAVAIL'
])

/** SDK and DynamoDB error names meaning "not now": timeouts, throttling, the service failing. */
const UNAVAILABLE_ERROR_NAMES = new Set([
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'ThrottlingException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'InternalServerError',
  'ServiceUnavailable',
  'ServiceUnavailableException'
])

/** Cancellation reasons of a transaction that was throttled rather than refused. */
const THROTTLED_CANCELLATION_CODES = new Set(['ThrottlingError', 'ProvisionedThroughputExceeded', 'RequestLimitExceeded'])

interface SdkErrorShape {
  name?: unknown
  code?: unknown
  $fault?: unknown
  $metadata?: { httpStatusCode?: unknown }
  CancellationReasons?: Array<{ Code?: unknown }>
}

/**
 * Why the store could not answer (the error's name or network code), or undefined when the error is
 * an answer of the store or our own mistake.
 */
export function storeUnavailableReason(error: unknown): string | undefined {
  if (error === null || typeof error !== 'object') return undefined
  const { name, code, $fault, $metadata, CancellationReasons } = error as SdkErrorShape
  if (typeof name === 'string' && UNAVAILABLE_ERROR_NAMES.has(name)) return name
  if (typeof code === 'string' && NETWORK_ERROR_CODES.has(code)) return code
  const status = $metadata?.httpStatusCode
  if ($fault === 'server' || (typeof status === 'number' && status >= 500)) return typeof name === 'string' ? name : `HTTP ${String(status)}`
  // A transaction cancelled only because it was throttled is an outage, not a failed condition
  // (isConditionFailed would otherwise read it as one).
  if (name === 'TransactionCanceledException' && Array.isArray(CancellationReasons)) {
    const codes = CancellationReasons.map((reason) => reason.Code)
    if (codes.some((reasonCode) => typeof reasonCode === 'string' && THROTTLED_CANCELLATION_CODES.has(reasonCode)) && !codes.includes('ConditionalCheckFailed')) {
      return 'TransactionThrottled'
    }
  }
  return undefined
}

const MIDDLEWARE_NAME = 'storeUnavailableErrors'

/**
 * Installs the translation on the client (and so on every DynamoDBDocumentClient made from it, which
 * shares its middleware stack). Outermost (initialize step, high priority): it sees the final error,
 * after the SDK's retries, and also any failure injected further down (the local fault switch).
 * Installing it twice replaces it.
 */
export function reportStoreOutages(client: DynamoDBClient): void {
  client.middlewareStack.add(
    (next) => async (args) => {
      try {
        return await next(args)
      } catch (error) {
        const reason = storeUnavailableReason(error)
        throw reason === undefined ? error : new StoreUnavailableError(reason, error)
      }
    },
    { step: 'initialize', priority: 'high', name: MIDDLEWARE_NAME, override: true }
  )
}
