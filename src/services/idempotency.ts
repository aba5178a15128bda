// The Idempotency-Key mechanism, as Stripe documents its own: per (scope, key), the operation runs at
// most once; its final response (successes and deterministic client errors) is stored with a
// fingerprint of the request and replayed to every retry with the same request. The same key with a
// different request is refused (422). Concurrent requests with one key wait for the first to finish.
// Unexpected failures are not stored, so the client can retry with the same key. No Fastify here:
// src/plugins/idempotency-key.ts reads the header and sends the result.
import { createHash, randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { bodyOfDomainError, statusOfDomainError } from '../domain/error-status'
import { ConflictError, DomainError, IdempotencyKeyReuseError, ValidationError } from '../domain/errors'
import { IDEMPOTENCY_KEY_RULE } from '../domain/idempotency-key'
import { jsonShapeProblem, MAX_JSON_DEPTH } from '../domain/json-shape'
import type { IdempotencyStore, StoredResponse } from '../ports/idempotency-store'

export type { StoredResponse }

export interface IdempotentResult extends StoredResponse {
  /** True when this is a stored response of an earlier request, not a new run of the operation. */
  replayed: boolean
}

export interface IdempotencyOptions {
  /** How long a completed response is kept and replayed (default 24 h, as Stripe). */
  ttlSeconds?: number
  /**
   * How long an in-progress claim is held before another request may take it over (a crashed
   * request must not block its key forever). Longer than any operation may run: API Gateway ends
   * requests after 29 s.
   */
  leaseSeconds?: number
  /** How long a concurrent request waits for the first one to finish before a 409 (default 10 s). */
  waitMs?: number
  /** First delay between polls of an in-progress record; it doubles up to MAX_POLL_MS. */
  pollMs?: number
  /** The clock (epoch milliseconds); tests move it to see records expire. */
  now?: () => number
}

const MAX_POLL_MS = 500

const KEY_PATTERN = new RegExp(IDEMPOTENCY_KEY_RULE.pattern)

/** The key itself if well formed; a ValidationError (400) naming the header otherwise. */
export function checkIdempotencyKey(key: string): string {
  if (key.length < IDEMPOTENCY_KEY_RULE.minLength || key.length > IDEMPOTENCY_KEY_RULE.maxLength || !KEY_PATTERN.test(key)) {
    throw new ValidationError('Idempotency-Key must be 1 to 255 printable ASCII characters.', { field: 'idempotency-key' })
  }
  return key
}

/**
 * SHA-256 (hex) of the canonical JSON of `request`: object keys sorted, so key order does not matter.
 * The canonical form is built recursively, so the depth is checked first without recursion: a
 * ValidationError (400) for anything deeper than MAX_JSON_DEPTH, never a stack overflow (500).
 */
export function requestFingerprint(request: unknown): string {
  if (jsonShapeProblem(request, MAX_JSON_DEPTH, false)) {
    throw new ValidationError(`The request must not be nested more than ${MAX_JSON_DEPTH} levels deep.`, { field: 'body' })
  }
  const canonical = JSON.stringify(request, (_key, value: unknown) =>
    value !== null && typeof value === 'object' && !Array.isArray(value)
      ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : value
  ) as string | undefined
  return createHash('sha256').update(canonical ?? 'undefined').digest('hex')
}

/**
 * Outcomes worth replaying: successes and client errors. Not 429 (it says "try again later") and not
 * 5xx (the request may well succeed when retried).
 */
function isStoredStatus(statusCode: number): boolean {
  return statusCode < 500 && statusCode !== 429
}

export class Idempotency {
  private readonly ttlSeconds: number
  private readonly leaseMs: number
  private readonly waitMs: number
  private readonly pollMs: number
  private readonly now: () => number

  constructor(
    private readonly store: IdempotencyStore,
    options: IdempotencyOptions = {}
  ) {
    this.ttlSeconds = options.ttlSeconds ?? 86_400
    this.leaseMs = (options.leaseSeconds ?? 30) * 1000
    this.waitMs = options.waitMs ?? 10_000
    this.pollMs = options.pollMs ?? 50
    this.now = options.now ?? Date.now
    if (this.ttlSeconds * 1000 <= this.leaseMs) throw new Error('Idempotency: ttlSeconds must be longer than leaseSeconds')
  }

  /**
   * Runs `operation` at most once per (scope, key); `fingerprint` is any JSON value describing the
   * request (what must match for a retry to count as the same request). Without a key it just runs
   * the operation. A storable domain error thrown by the operation is returned as its response
   * (status and `{ error, message, ...details }`), on the first run as on replays.
   */
  async run(scope: string, key: string | undefined, fingerprint: unknown, operation: () => Promise<StoredResponse>): Promise<IdempotentResult> {
    if (key === undefined) return { ...(await operation()), replayed: false }
    const acquired = await this.acquire(scope, checkIdempotencyKey(key), requestFingerprint(fingerprint))
    if ('response' in acquired) return { ...acquired.response, replayed: true }
    return { ...(await this.execute(scope, key, acquired.claimId, operation)), replayed: false }
  }

  /** Claims the key, or waits for the request holding it and returns that request's stored response. */
  private async acquire(scope: string, key: string, fingerprint: string): Promise<{ claimId: string } | { response: StoredResponse }> {
    const deadline = this.now() + this.waitMs
    let delay = this.pollMs
    for (let attempt = 0; ; attempt++) {
      if (attempt > 0 && this.now() >= deadline) throw this.inProgress()
      const now = this.now()
      const claimId = randomUUID()
      const claimed = await this.store.claim(scope, key, {
        claimId,
        fingerprint,
        now,
        leaseExpiresAt: now + this.leaseMs,
        expiresAt: Math.floor(now / 1000) + this.ttlSeconds
      })
      if (claimed) return { claimId }

      let record = await this.store.get(scope, key, this.now())
      while (record?.status === 'in_progress' && record.fingerprint === fingerprint && record.leaseExpiresAt >= this.now()) {
        const remaining = deadline - this.now()
        if (remaining <= 0) throw this.inProgress()
        await sleep(Math.min(delay, remaining))
        delay = Math.min(delay * 2, MAX_POLL_MS)
        record = await this.store.get(scope, key, this.now())
      }
      // Gone (released after a failure) or its lease ended (a crashed request): claim it again.
      if (!record) continue
      if (record.fingerprint !== fingerprint) {
        throw new IdempotencyKeyReuseError('This Idempotency-Key was already used with a different request.')
      }
      if (record.status === 'completed') return { response: record.response }
    }
  }

  private inProgress(): ConflictError {
    return new ConflictError('A request with this Idempotency-Key is in progress.')
  }

  private async execute(scope: string, key: string, claimId: string, operation: () => Promise<StoredResponse>): Promise<StoredResponse> {
    let response: StoredResponse
    try {
      response = await operation()
    } catch (error) {
      if (!(error instanceof DomainError) || !isStoredStatus(statusOfDomainError(error))) {
        await this.releaseQuietly(scope, key, claimId)
        throw error
      }
      response = { statusCode: statusOfDomainError(error), body: bodyOfDomainError(error) }
    }
    // What replays will get after a trip through storage (JSON), so the first caller gets it too.
    const final: StoredResponse = {
      statusCode: response.statusCode,
      body: response.body === undefined ? undefined : JSON.parse(JSON.stringify(response.body))
    }
    if (!isStoredStatus(final.statusCode)) {
      await this.releaseQuietly(scope, key, claimId)
      return final
    }
    try {
      // False only when the lease ran out and another request took the key over: that request's
      // response will be stored; this one is still the true outcome of this run, so it is returned.
      await this.store.complete(scope, key, claimId, final, Math.floor(this.now() / 1000) + this.ttlSeconds)
    } catch (error) {
      await this.releaseQuietly(scope, key, claimId)
      throw error
    }
    return final
  }

  /** Frees the key for a retry. If this fails too, the lease frees it later; the caller's error is what matters. */
  private async releaseQuietly(scope: string, key: string, claimId: string): Promise<void> {
    await this.store.release(scope, key, claimId).catch(() => false)
  }
}
