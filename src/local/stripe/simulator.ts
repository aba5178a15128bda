// The embedded runtime's stand-in for Stripe: an HTTP server on a loopback port speaking the part of
// Stripe's v1 API the app uses (PaymentIntents, Refunds), reached through the real `stripe` SDK
// (host/port/protocol options). It authenticates secret keys, honours Idempotency-Key, answers with
// Stripe's objects and error bodies (so the SDK raises its own error classes), follows the test
// payment methods, and sends signed webhook events. Tests steer and inspect it through this object.
// With a data folder (--persist) its account survives a restart (stripe-state.ts); the fault
// switches (faults.ts) make it answer 500 or drop webhooks.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { randomBytes } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import Stripe from 'stripe'
import type { FaultSwitches } from '../faults'
import { StripeAccount, type EventRequest } from './account'
import { canonicalForm, FormError, parseForm, type FormObject } from './form'
import { IdempotencyLayer, type IdempotentAnswer } from './idempotency'
import {
  invalidRequest,
  nowSeconds,
  StripeApiError,
  stripeId,
  type ApiReply,
  type ChargeObject,
  type EventObject,
  type PaymentIntentObject,
  type RefundObject
} from './objects'
import { StripeState } from './state'
import { WebhookSender, type WebhookDeliver, type WebhookDelivery, type WebhookSettings } from './webhook-sender'
import { silentLog, type Log } from '../log'

export type { WebhookDeliver, WebhookDelivery } from './webhook-sender'
export type { ChargeObject, EventObject, PaymentIntentObject, RefundObject } from './objects'

/** The simulator takes any test key; this one is what the embedded runtime configures. */
export const LOCAL_STRIPE_SECRET_KEY = 'sk_test_local_simulator'

/** The event types a webhook endpoint of this app subscribes to (its `enabled_events`). */
export const DEFAULT_WEBHOOK_EVENTS = ['payment_intent.succeeded', 'payment_intent.payment_failed', 'payment_intent.requires_action', 'charge.refunded'] as const

export interface StripeSimulatorOptions {
  /** Loopback port; 0 (default) picks a free one. */
  port?: number
  /** Signs webhooks (the app's STRIPE_WEBHOOK_SECRET); a fresh random `whsec_` by default. */
  webhookSecret?: string
  /** Where events are POSTed (the app's /webhooks/stripe); settable later, once the app listens. */
  webhookUrl?: string
  /** Delivers in-process instead of over HTTP (e.g. to `app.inject`); wins over `webhookUrl`. */
  deliver?: WebhookDeliver
  /** Wait before each delivery (default 0). */
  webhookDelayMs?: number
  /** Deliver every event this many times (default 1). */
  duplicateWebhooks?: number
  /** Attempts per delivery while the endpoint answers non-2xx (default 5). */
  webhookAttempts?: number
  /** Wait before the first retry, doubling after (default 500 ms). */
  webhookRetryDelayMs?: number
  /** Event types delivered; default DEFAULT_WEBHOOK_EVENTS, `*` for every event the simulator makes. */
  enabledEvents?: readonly string[] | '*'
  log?: Log
  /**
   * Keep the account here (PaymentIntents, charges, refunds, idempotent answers, owed webhooks) and
   * load what an earlier run kept; in memory only when unset.
   */
  dataDir?: string
  /** Fault switches: `stripe.paymentIntents`/`stripe.refunds: fail` answer 500, `stripe.webhooks: drop` loses deliveries. */
  faults?: Pick<FaultSwitches, 'get'>
}

const MAX_BODY_BYTES = 1024 * 1024

export async function startStripeSimulator(options: StripeSimulatorOptions = {}): Promise<StripeSimulator> {
  const simulator = new StripeSimulator(options)
  await simulator.listen(options.port ?? 0)
  return simulator
}

export class StripeSimulator {
  readonly host = '127.0.0.1'
  readonly protocol = 'http'
  readonly webhookSecret: string
  // Webhook settings: tests may change them at any time; each delivery reads them when it runs.
  webhookDelayMs: number
  duplicateWebhooks: number
  webhookAttempts: number
  webhookRetryDelayMs: number
  enabledEvents: readonly string[] | '*'
  /**
   * Test steering: how long POST /v1/payment_intents takes before it runs (default 0), so a test can
   * hold a payment in flight, e.g. across the end of a payment window.
   */
  paymentIntentDelayMs = 0

  private listeningPort = 0
  private target: { url?: string; deliver?: WebhookDeliver } = {}
  private readonly eventList: EventObject[] = []
  private readonly account = new StripeAccount((type, object, request) => this.emit(type, object, request))
  private readonly state: StripeState
  private readonly idempotency: IdempotencyLayer
  /** Restored events whose delivery an earlier run still owed: sent once there is an endpoint. */
  private owedEvents: EventObject[]
  private readonly faults: Pick<FaultSwitches, 'get'> | undefined
  private readonly sender: WebhookSender
  private readonly server = createServer((request, response) => void this.handle(request, response))
  private readonly log: Log

  /** Use startStripeSimulator(). */
  constructor(options: StripeSimulatorOptions) {
    this.webhookSecret = options.webhookSecret ?? `whsec_${randomBytes(24).toString('hex')}`
    this.webhookDelayMs = options.webhookDelayMs ?? 0
    this.duplicateWebhooks = options.duplicateWebhooks ?? 1
    this.webhookAttempts = options.webhookAttempts ?? 5
    this.webhookRetryDelayMs = options.webhookRetryDelayMs ?? 500
    this.enabledEvents = options.enabledEvents ?? DEFAULT_WEBHOOK_EVENTS
    this.log = options.log ?? silentLog
    this.faults = options.faults
    this.sender = new WebhookSender(() => this.webhookSettings(), this.log)
    this.state = StripeState.open(options.dataDir, this.log)
    const restored = this.state.restored()
    this.account.restore(restored)
    this.idempotency = new IdempotencyLayer({
      restored: restored.idempotency,
      saved: (key, answer) => this.state.idempotentAnswer(key, answer),
      forgotten: (key) => this.state.idempotentAnswer(key, undefined)
    })
    this.owedEvents = restored.pendingEvents
    if (options.dataDir !== undefined) {
      this.log.debug({}, `stripe simulator: state kept in ${options.dataDir} (${restored.intents.length} PaymentIntents, ${restored.pendingEvents.length} webhooks owed)`)
    }
    this.webhookUrl = options.webhookUrl
    this.deliver = options.deliver
  }

  /** Where events are POSTed. Webhooks an earlier run still owed go out once this or `deliver` is set. */
  get webhookUrl(): string | undefined {
    return this.target.url
  }

  set webhookUrl(url: string | undefined) {
    this.target.url = url
    this.sendOwedEvents()
  }

  /** Delivers in-process instead of over HTTP; wins over `webhookUrl`. */
  get deliver(): WebhookDeliver | undefined {
    return this.target.deliver
  }

  set deliver(deliver: WebhookDeliver | undefined) {
    this.target.deliver = deliver
    this.sendOwedEvents()
  }

  get port(): number {
    return this.listeningPort
  }

  /** e.g. `http://127.0.0.1:41234` */
  get url(): string {
    return `${this.protocol}://${this.host}:${this.port}`
  }

  /** The app's settings for talking to this simulator (see src/config.ts). */
  environment(): Record<'STRIPE_SECRET_KEY' | 'STRIPE_WEBHOOK_SECRET' | 'STRIPE_API_HOST' | 'STRIPE_API_PORT' | 'STRIPE_API_PROTOCOL', string> {
    return {
      STRIPE_SECRET_KEY: LOCAL_STRIPE_SECRET_KEY,
      STRIPE_WEBHOOK_SECRET: this.webhookSecret,
      STRIPE_API_HOST: this.host,
      STRIPE_API_PORT: String(this.port),
      STRIPE_API_PROTOCOL: this.protocol
    }
  }

  /** How many PaymentIntents were actually created (replays of an idempotent request create none). */
  get createdCount(): number {
    return this.account.createdCount
  }

  paymentIntents(): PaymentIntentObject[] {
    return this.account.paymentIntents()
  }

  refunds(): RefundObject[] {
    return this.account.refunds()
  }

  /** The PaymentIntents whose metadata has `key` = `value`, oldest first (the app tags each with its paymentId and orderId). */
  paymentIntentsWithMetadata(key: string, value: string): PaymentIntentObject[] {
    return this.account.paymentIntents().filter((intent) => intent.metadata[key] === value)
  }

  /** Every event made, delivered or not, oldest first. */
  events(): EventObject[] {
    return this.eventList.map((event) => structuredClone(event))
  }

  /** Every delivery attempt made, in order. */
  webhookDeliveries(): WebhookDelivery[] {
    return this.sender.deliveries()
  }

  /** The customer completes (`succeeded`) or fails the 3-D Secure challenge of an intent in requires_action. */
  completeAuthentication(paymentIntentId: string, outcome: 'succeeded' | 'failed'): PaymentIntentObject {
    const intent = this.account.completeAuthentication(paymentIntentId, outcome)
    this.state.commit()
    return intent
  }

  /** Resolves once no webhook delivery is waiting or under way. */
  idle(): Promise<void> {
    return this.sender.idle()
  }

  /** Stops the server and drops pending deliveries (kept as owed in the data folder, if any). */
  async close(): Promise<void> {
    this.sender.close()
    this.state.close()
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()))
    // The SDK keeps connections alive; they would hold close() open.
    this.server.closeAllConnections()
    await closed
  }

  /** @internal */
  listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject)
      this.server.listen(port, this.host, () => {
        this.server.off('error', reject)
        const address = this.server.address()
        this.listeningPort = typeof address === 'object' && address ? address.port : port
        this.log.debug({}, `Stripe simulator at ${this.url}`)
        resolve()
      })
    })
  }

  private webhookSettings(): WebhookSettings {
    return {
      secret: this.webhookSecret,
      url: this.webhookUrl,
      deliver: this.deliver,
      delayMs: this.webhookDelayMs,
      duplicates: this.duplicateWebhooks,
      attempts: this.webhookAttempts,
      retryDelayMs: this.webhookRetryDelayMs,
      enabledEvents: this.enabledEvents,
      drop: this.faults?.get('stripe.webhooks') === 'drop'
    }
  }

  private sendOwedEvents(): void {
    if (this.owedEvents.length === 0 || (!this.target.url && !this.target.deliver)) return
    const owed = this.owedEvents
    this.owedEvents = []
    for (const event of owed) this.sendWebhook(event)
  }

  /** Schedules the event's delivery; while it is owed, it is part of the durable state. */
  private sendWebhook(event: EventObject): void {
    const queued = this.sender.send(event, () => {
      this.state.webhook(event.id, undefined)
      this.state.commit()
    })
    if (queued) this.state.webhook(event.id, event)
  }

  private emit(type: string, object: PaymentIntentObject | ChargeObject | RefundObject, request: EventRequest): void {
    const event: EventObject = {
      id: stripeId('evt'),
      object: 'event',
      api_version: Stripe.API_VERSION,
      created: nowSeconds(),
      data: { object: structuredClone(object) },
      livemode: false,
      pending_webhooks: 1,
      request,
      type
    }
    this.eventList.push(event)
    // Every change to an object is announced with it (stripe-account.ts): the durable state follows.
    this.state.object(object)
    this.sendWebhook(event)
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const requestId = stripeId('req', 14)
    const idempotencyKey = headerOf(request, 'idempotency-key')
    let answer: IdempotentAnswer
    try {
      answer = await this.answer(request, requestId, idempotencyKey)
      // Durable before anyone hears of it: an answer given is never forgotten by a restart.
      this.state.commit()
    } catch (error) {
      this.log.warn({}, `stripe simulator: ${request.method} ${request.url} failed: ${(error as Error).stack ?? String(error)}`)
      answer = { reply: new StripeApiError(500, { type: 'api_error', message: 'The local Stripe simulator failed; see its log.' }).reply() }
    }
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'request-id': requestId,
      'stripe-version': headerOf(request, 'stripe-version') ?? Stripe.API_VERSION
    }
    if (idempotencyKey && request.method === 'POST') headers['idempotency-key'] = idempotencyKey
    if (answer.replayOf) {
      headers['idempotent-replayed'] = 'true'
      headers['original-request'] = answer.replayOf
    }
    // The SDK retries a 5xx within the same call (maxNetworkRetries) unless told not to. This
    // simulator's 500s (a fault switch, its own failure) do not clear up within a second: fail fast.
    if (answer.reply.status >= 500) headers['stripe-should-retry'] = 'false'
    this.log.debug({}, `stripe simulator: ${request.method} ${request.url} → ${answer.reply.status}${answer.replayOf ? ' (replayed)' : ''}`)
    response.writeHead(answer.reply.status, headers).end(JSON.stringify(answer.reply.body, null, 2))
  }

  private async answer(request: IncomingMessage, requestId: string, idempotencyKey: string | undefined): Promise<IdempotentAnswer> {
    const method = request.method ?? 'GET'
    const path = new URL(request.url ?? '/', 'http://localhost').pathname
    try {
      const body = await readBody(request)
      authenticate(headerOf(request, 'authorization'))
      const eventRequest: EventRequest = { id: requestId, idempotency_key: idempotencyKey ?? null }
      const intentMatch = /^\/v1\/payment_intents\/([^/]+)$/.exec(path)
      this.failIfSwitched(path)
      if (method === 'GET' && intentMatch) return { reply: this.account.retrievePaymentIntent(decodeURIComponent(intentMatch[1] as string)) }
      if (method === 'POST' && path === '/v1/payment_intents') {
        if (this.paymentIntentDelayMs > 0) await sleep(this.paymentIntentDelayMs)
        return await this.post('POST /v1/payment_intents', body, requestId, idempotencyKey, (params) => this.account.createPaymentIntent(params, eventRequest))
      }
      if (method === 'POST' && path === '/v1/refunds') {
        return await this.post('POST /v1/refunds', body, requestId, idempotencyKey, (params) => this.account.createRefund(params, eventRequest))
      }
      throw invalidRequest(
        `Unrecognized request URL (${method}: ${path}). The local Stripe simulator serves POST /v1/payment_intents, GET /v1/payment_intents/:id and POST /v1/refunds.`,
        {},
        404
      )
    } catch (error) {
      if (error instanceof StripeApiError) return { reply: error.reply() }
      throw error
    }
  }

  /** A fault switch makes Stripe fail: 500 api_error before anything runs, so no idempotent answer is saved. */
  private failIfSwitched(path: string): void {
    const switchName = path.startsWith('/v1/payment_intents') ? 'stripe.paymentIntents' : path.startsWith('/v1/refunds') ? 'stripe.refunds' : undefined
    if (switchName && this.faults?.get(switchName) === 'fail') {
      throw new StripeApiError(500, { type: 'api_error', message: `An error occurred with our connection to Stripe. (local fault switch ${switchName}=fail)` })
    }
  }

  private post(
    endpoint: string,
    body: string,
    requestId: string,
    idempotencyKey: string | undefined,
    execute: (params: FormObject) => ApiReply
  ): Promise<IdempotentAnswer> | IdempotentAnswer {
    let params: FormObject
    try {
      params = parseForm(body)
    } catch (error) {
      if (error instanceof FormError) throw invalidRequest(error.message, { param: error.param })
      throw error
    }
    if (idempotencyKey === undefined) return { reply: execute(params) }
    return this.idempotency.run({ key: idempotencyKey, endpoint, fingerprint: canonicalForm(params), requestId }, () => execute(params))
  }
}

const NO_KEY =
  "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY')."

/** Bearer auth (what the SDK sends) or Basic with the key as user name (what curl -u sends). */
function authenticate(authorization: string | undefined): void {
  const [scheme, credentials] = authorization?.trim().split(/\s+/, 2) ?? []
  let key: string | undefined
  if (scheme?.toLowerCase() === 'bearer') key = credentials
  if (scheme?.toLowerCase() === 'basic' && credentials) key = Buffer.from(credentials, 'base64').toString('utf8').split(':')[0]
  if (!key) throw new StripeApiError(401, { type: 'invalid_request_error', message: NO_KEY })
  if (!/^sk_test_\w+$/.test(key)) {
    const shown = key.length > 12 ? `${key.slice(0, 8)}${'*'.repeat(key.length - 12)}${key.slice(-4)}` : key.replace(/./g, '*')
    const hint = key.startsWith('sk_live_') ? ' The local Stripe simulator takes test keys (sk_test_...) only.' : ''
    throw new StripeApiError(401, { type: 'invalid_request_error', message: `Invalid API Key provided: ${shown}.${hint}` })
  }
}

function headerOf(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name]
  return Array.isArray(value) ? value[0] : value
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of request) {
    size += (chunk as Buffer).length
    if (size > MAX_BODY_BYTES) throw invalidRequest(`Request body larger than ${MAX_BODY_BYTES} bytes.`, {}, 413)
    chunks.push(chunk as Buffer)
  }
  return Buffer.concat(chunks).toString('utf8')
}
