// Stripe simulator: the Idempotency-Key layer of Stripe's v1 API. The first answer for a key (status
// and body) is saved once the endpoint has started executing and is replayed for every retry; a retry
// with other parameters or another endpoint is an idempotency_error. Requests with one key run one at
// a time, so concurrent retries wait for the first and replay it. Keys are forgotten after 24 hours.
// Saved answers can be kept elsewhere too (the simulator's durable state, with --persist).
import { invalidRequest, StripeApiError, type ApiReply } from './objects'

const KEY_LIFETIME_MS = 24 * 60 * 60 * 1000
const MAX_KEY_LENGTH = 255

export interface SavedAnswer {
  endpoint: string
  fingerprint: string
  reply: ApiReply
  requestId: string
  savedAt: number
}

export interface IdempotentAnswer {
  reply: ApiReply
  /** The request whose saved answer this is, when it is a replay. */
  replayOf?: string
}

export interface IdempotentRequest {
  key: string
  /** `POST /v1/payment_intents` */
  endpoint: string
  /** The parameters in a canonical form. */
  fingerprint: string
  requestId: string
}

export interface IdempotencyHooks {
  /** Answers saved before (oldest first), e.g. by an earlier run of the simulator. */
  restored?: Iterable<[string, SavedAnswer]>
  /** An answer was saved for this key; called before the answer is returned. */
  saved?(key: string, answer: SavedAnswer): void
  /** The key's saved answer expired. */
  forgotten?(key: string): void
}

export class IdempotencyLayer {
  private readonly saved: Map<string, SavedAnswer>
  private readonly queues = new Map<string, Promise<unknown>>()

  constructor(private readonly hooks: IdempotencyHooks = {}) {
    this.saved = new Map(hooks.restored ?? [])
  }

  /** Runs `execute` once per key; a StripeApiError it throws is answered but not saved (nothing ran). */
  run(request: IdempotentRequest, execute: () => ApiReply | Promise<ApiReply>): Promise<IdempotentAnswer> {
    const previous = this.queues.get(request.key) ?? Promise.resolve()
    const current = previous.then(() => this.answer(request, execute))
    const settled = current.catch(() => {})
    this.queues.set(request.key, settled)
    void settled.then(() => {
      if (this.queues.get(request.key) === settled) this.queues.delete(request.key)
    })
    return current
  }

  private async answer(request: IdempotentRequest, execute: () => ApiReply | Promise<ApiReply>): Promise<IdempotentAnswer> {
    const { key } = request
    if (key.length > MAX_KEY_LENGTH) {
      return { reply: invalidRequest(`Invalid idempotency key: must be no more than ${MAX_KEY_LENGTH} characters`).reply() }
    }
    const now = Date.now()
    this.forgetExpired(now)
    const saved = this.saved.get(key)
    if (saved) {
      const refused = mismatch(saved, request)
      return refused ? { reply: refused } : { reply: saved.reply, replayOf: saved.requestId }
    }
    let reply: ApiReply
    try {
      reply = await execute()
    } catch (error) {
      if (error instanceof StripeApiError) return { reply: error.reply() }
      throw error
    }
    const answer: SavedAnswer = { endpoint: request.endpoint, fingerprint: request.fingerprint, reply, requestId: request.requestId, savedAt: now }
    this.saved.set(key, answer)
    this.hooks.saved?.(key, answer)
    return { reply }
  }

  /** Entries are in insertion order, so the expired ones are at the front. */
  private forgetExpired(now: number): void {
    for (const [key, saved] of this.saved) {
      if (now - saved.savedAt < KEY_LIFETIME_MS) break
      this.saved.delete(key)
      this.hooks.forgotten?.(key)
    }
  }
}

function mismatch(saved: SavedAnswer, request: IdempotentRequest): ApiReply | undefined {
  const retry = `Try using a key other than '${request.key}' if you meant to execute a different request.`
  if (saved.endpoint !== request.endpoint) {
    return idempotencyError(
      `Keys for idempotent requests can only be used for the same endpoint they were first used for ('${saved.endpoint}' vs '${request.endpoint}'). ${retry}`
    )
  }
  if (saved.fingerprint !== request.fingerprint) {
    return idempotencyError(`Keys for idempotent requests can only be used with the same parameters they were first used with. ${retry}`)
  }
  return undefined
}

function idempotencyError(message: string): ApiReply {
  return new StripeApiError(400, { type: 'idempotency_error', message }).reply()
}
