// Stripe simulator: its durable state with --persist — PaymentIntents, charges, refunds, saved
// idempotent answers and webhook events not yet delivered — kept in a DurableMap under the data
// folder. The simulator stages what a request changed and commits it in one write before it
// answers, so an answer the client has seen is never forgotten, and a PaymentIntent is never kept
// without the idempotent answer that replays it (which would let a retry charge twice).
import { DurableMap, type DurableChange } from '../durable-map'
import type { Log } from '../log'
import type { SavedAnswer } from './idempotency'
import type { ChargeObject, EventObject, PaymentIntentObject, RefundObject } from './objects'

type Stored = PaymentIntentObject | ChargeObject | RefundObject | SavedAnswer | EventObject

export interface RestoredStripeState {
  intents: PaymentIntentObject[]
  charges: ChargeObject[]
  refunds: RefundObject[]
  idempotency: Array<[string, SavedAnswer]>
  /** Events whose webhook delivery was still owed, oldest first. */
  pendingEvents: EventObject[]
}

const KEY = {
  object: (object: PaymentIntentObject | ChargeObject | RefundObject) => `${object.object}:${object.id}`,
  idempotency: (key: string) => `idempotency:${key}`,
  webhook: (eventId: string) => `webhook:${eventId}`
}

export class StripeState {
  private readonly staged = new Map<string, Stored | undefined>()

  /** `map` undefined: nothing is kept (in-memory simulator), every method is a no-op. */
  constructor(private readonly map: DurableMap<Stored> | undefined) {}

  static open(directory: string | undefined, log: Log): StripeState {
    return new StripeState(directory === undefined ? undefined : new DurableMap<Stored>(directory, 'state', log))
  }

  restored(): RestoredStripeState {
    const state: RestoredStripeState = { intents: [], charges: [], refunds: [], idempotency: [], pendingEvents: [] }
    for (const [key, value] of this.map ?? []) {
      const kind = key.slice(0, key.indexOf(':'))
      const id = key.slice(kind.length + 1)
      if (kind === 'payment_intent') state.intents.push(value as PaymentIntentObject)
      else if (kind === 'charge') state.charges.push(value as ChargeObject)
      else if (kind === 'refund') state.refunds.push(value as RefundObject)
      else if (kind === 'idempotency') state.idempotency.push([id, value as SavedAnswer])
      else if (kind === 'webhook') state.pendingEvents.push(value as EventObject)
    }
    return state
  }

  /** The object as it is now (a later change in the same request replaces it). */
  object(object: PaymentIntentObject | ChargeObject | RefundObject): void {
    if (this.map) this.staged.set(KEY.object(object), structuredClone(object))
  }

  idempotentAnswer(key: string, answer: SavedAnswer | undefined): void {
    if (this.map) this.staged.set(KEY.idempotency(key), answer)
  }

  /** The event's delivery is owed (event) or done with (undefined). */
  webhook(eventId: string, event: EventObject | undefined): void {
    if (this.map) this.staged.set(KEY.webhook(eventId), event)
  }

  /** Makes everything staged durable, in one write. */
  commit(): void {
    if (!this.map || this.staged.size === 0) return
    const changes: Array<DurableChange<Stored>> = [...this.staged]
    this.staged.clear()
    this.map.write(changes)
  }

  close(): void {
    this.map?.close()
  }
}
