// Stripe simulator: delivers events to the webhook endpoint as Stripe does — a POST of the event's
// JSON with a `Stripe-Signature` header made by the SDK from the endpoint's secret (signed afresh on
// every attempt), retried with exponential backoff while the endpoint answers non-2xx or fails.
// Tests can delay deliveries, duplicate them, or deliver in-process instead of over HTTP, and the
// `stripe.webhooks` fault switch drops them (lost, as when Stripe gives up on an endpoint).
import Stripe from 'stripe'
import type { EventObject } from './objects'
import { silentLog, type Log } from '../log'

/** Delivers one attempt; resolves with the endpoint's HTTP status. */
export type WebhookDeliver = (payload: string, headers: Record<string, string>) => Promise<{ statusCode: number }>

export interface WebhookSettings {
  secret: string
  /** Where events are POSTed; ignored when `deliver` is set. No target: events are kept, not sent. */
  url?: string
  deliver?: WebhookDeliver
  /** Wait before the first attempt of each delivery. */
  delayMs: number
  /** Each event is delivered this many times (Stripe delivers at least once). */
  duplicates: number
  /** Attempts per delivery before giving up. */
  attempts: number
  /** Wait before the first retry; doubles with each further one. */
  retryDelayMs: number
  /** Event types sent to the endpoint (its `enabled_events`); `*` for all. */
  enabledEvents: readonly string[] | '*'
  /** Deliveries due now are dropped: recorded with an error, never sent, not retried. */
  drop: boolean
}

export interface WebhookDelivery {
  eventId: string
  type: string
  /** Which of the `duplicates` copies (1-based). */
  copy: number
  attempt: number
  /** The endpoint's answer; absent when the attempt failed without one. */
  statusCode?: number
  error?: string
  at: string
}

const ATTEMPT_TIMEOUT_MS = 10_000

export class WebhookSender {
  private readonly history: WebhookDelivery[] = []
  private readonly timers = new Set<NodeJS.Timeout>()
  private readonly inFlight = new Set<AbortController>()
  private readonly idleWaiters: Array<() => void> = []
  private pending = 0
  private closed = false

  constructor(
    /** Read when each delivery is scheduled and attempted, so tests may change it at any time. */
    private readonly settings: () => WebhookSettings,
    private readonly log: Log = silentLog
  ) {}

  /**
   * Schedules the event's delivery; false when it is not for the endpoint (not an enabled event).
   * `settled` is called once every copy is done with (delivered, given up on, dropped or without an
   * endpoint), never after close(): a delivery cut off by close() is still owed.
   */
  send(event: EventObject, settled: () => void = () => {}): boolean {
    const settings = this.settings()
    if (this.closed || (settings.enabledEvents !== '*' && !settings.enabledEvents.includes(event.type))) return false
    // Stripe sends pretty-printed JSON; the signature covers exactly these bytes.
    const payload = JSON.stringify(event, null, 2)
    const copies = Math.max(1, settings.duplicates)
    let remaining = copies
    const copyDone = () => {
      if (--remaining === 0) settled()
    }
    for (let copy = 1; copy <= copies; copy++) {
      this.pending++
      this.later(settings.delayMs, () => this.attempt(event, payload, copy, 1, copyDone))
    }
    return true
  }

  deliveries(): WebhookDelivery[] {
    return this.history.map((delivery) => ({ ...delivery }))
  }

  /** Resolves once no delivery is waiting or under way. */
  idle(): Promise<void> {
    if (this.pending === 0) return Promise.resolve()
    return new Promise((resolve) => this.idleWaiters.push(resolve))
  }

  close(): void {
    this.closed = true
    for (const timer of this.timers) clearTimeout(timer)
    this.timers.clear()
    for (const controller of this.inFlight) controller.abort()
    this.pending = 0
    this.settle()
  }

  private async attempt(event: EventObject, payload: string, copy: number, attempt: number, copyDone: () => void): Promise<void> {
    const settings = this.settings()
    if (!settings.deliver && !settings.url) {
      this.log.debug({}, `stripe simulator: no webhook endpoint set, ${event.type} ${event.id} not delivered`)
      return this.done(copyDone)
    }
    const record: WebhookDelivery = { eventId: event.id, type: event.type, copy, attempt, at: new Date().toISOString() }
    if (settings.drop) {
      record.error = 'dropped by the fault switch stripe.webhooks=drop'
      this.history.push(record)
      this.log.debug({}, `stripe simulator: ${event.type} ${event.id} dropped (fault switch stripe.webhooks=drop)`)
      return this.done(copyDone)
    }
    try {
      const headers = {
        'content-type': 'application/json; charset=utf-8',
        'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
        'stripe-signature': Stripe.webhooks.generateTestHeaderString({ payload, secret: settings.secret })
      }
      const { statusCode } = await (settings.deliver ?? this.post(settings.url as string))(payload, headers)
      record.statusCode = statusCode
    } catch (error) {
      record.error = (error as Error).message
    }
    if (this.closed) return
    this.history.push(record)
    const ok = record.statusCode !== undefined && record.statusCode >= 200 && record.statusCode < 300
    if (ok) return this.done(copyDone)
    const outcome = record.error ?? `HTTP ${record.statusCode}`
    if (attempt >= settings.attempts) {
      this.log.warn({}, `stripe simulator: gave up delivering ${event.type} ${event.id} after ${attempt} attempts (${outcome})`)
      return this.done(copyDone)
    }
    this.log.debug({}, `stripe simulator: ${event.type} ${event.id} attempt ${attempt} failed (${outcome}); retrying`)
    this.later(settings.retryDelayMs * 2 ** (attempt - 1), () => this.attempt(event, payload, copy, attempt + 1, copyDone))
  }

  private post(url: string): WebhookDeliver {
    return async (payload, headers) => {
      const controller = new AbortController()
      this.inFlight.add(controller)
      const timeout = setTimeout(() => controller.abort(new Error(`no answer within ${ATTEMPT_TIMEOUT_MS} ms`)), ATTEMPT_TIMEOUT_MS)
      try {
        const response = await fetch(url, { method: 'POST', headers, body: payload, signal: controller.signal })
        await response.arrayBuffer()
        return { statusCode: response.status }
      } finally {
        clearTimeout(timeout)
        this.inFlight.delete(controller)
      }
    }
  }

  private later(delayMs: number, run: () => Promise<void>): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer)
      void run()
    }, delayMs)
    this.timers.add(timer)
  }

  private done(copyDone: () => void): void {
    if (this.closed) return
    this.pending--
    copyDone()
    this.settle()
  }

  private settle(): void {
    if (this.pending > 0) return
    for (const resolve of this.idleWaiters.splice(0)) resolve()
  }
}
