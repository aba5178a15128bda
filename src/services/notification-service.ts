// Turns domain events into emails, one per change that matters to the customer (DESIGN.md section 6):
// verification (USER_CREATED; VERIFICATION_REQUESTED, a resend), password reset
// (PASSWORD_RESET_REQUESTED), order confirmed, shipped, delivered and cancelled (ORDER_STATUS_UPDATED),
// refunded (PAYMENT_REFUNDED). Each has one template with a plain-text and an HTML part
// (services/notifications/). Emails come only from here (the notification worker), never from the
// saga, so a change is mailed once whichever path made it (saga, recovery sweeper, admin, customer).
// Each event is mailed once: the worker claims it before sending (EventClaims), so a redelivered
// message, or a duplicate delivered at the same time, sends nothing. If sending succeeds but recording
// it fails, the claim's lease runs out, the message is redelivered and the email may go out twice; it
// is never lost.
import { randomUUID } from 'node:crypto'
import type { Order } from '../domain/order'
import type { EventClaims } from '../ports/event-claims'
import type { EventEnvelope } from '../ports/event-bus'
import type { EmailMessage, Mailer } from '../ports/mailer'
import type { OrderRepository } from '../ports/order-repository'
import { EventType } from './events'
import { PASSWORD_RESET_TTL_SECONDS } from './token-service'
import { renderEmail, type EmailTemplate, type Sender } from './notifications/render'
import { ORDER_CANCELLED } from './notifications/templates/order-cancelled'
import { ORDER_CONFIRMED } from './notifications/templates/order-confirmed'
import { ORDER_DELIVERED } from './notifications/templates/order-delivered'
import { ORDER_REFUNDED } from './notifications/templates/order-refunded'
import { ORDER_SHIPPED } from './notifications/templates/order-shipped'
import { PASSWORD_RESET } from './notifications/templates/password-reset'
import { VERIFICATION } from './notifications/templates/verification'
import { cancelledView, lifetimeInWords, orderView, refundedView, shippedView, tokenLink } from './notifications/views'
import { cancelReasonOf, eventData, numberField, stringField } from './notifications/event-data'

const CONSUMER = 'notification'

/**
 * How long a delivery holds an event while it sends: longer than the worker's timeout (30 s), shorter
 * than the queue's visibility timeout (180 s), so a redelivery after a crash finds the lease over.
 */
const CLAIM_SECONDS = 60

/** Mints the token of an email-verification link (AuthService, or the TokenService it uses). */
export interface EmailVerificationTokens {
  emailVerificationToken(userId: string, email: string): string
}

/**
 * Prepares a password reset for the account with this email: stores a single-use nonce on the user
 * and mints the reset token (idempotent for one eventId), or undefined when there is no such account.
 */
export interface PasswordResetLinks {
  prepareResetLink(email: string, eventId: string): Promise<{ email: string; firstName: string; token: string } | undefined>
}

export interface NotificationSources {
  verificationTokens: EmailVerificationTokens
  resetLinks: PasswordResetLinks
  orders: Pick<OrderRepository, 'get'>
}

export interface NotificationSettings {
  /** Where the links in emails point (the pages /verify-email and /reset-password). */
  publicBaseUrl: string
  /** Signs every email (SHOP_NAME). */
  shopName: string
  /** How long a verification link works (EMAIL_VERIFY_TTL_SECONDS), said in the email. */
  emailVerifyTtlSeconds: number
}

export class NotificationService {
  private readonly sender: Sender

  constructor(
    private readonly mailer: Mailer,
    private readonly claims: EventClaims,
    private readonly sources: NotificationSources,
    private readonly settings: NotificationSettings
  ) {
    this.sender = { shopName: settings.shopName }
  }

  /**
   * Sends the event's email; false when it sends none: handled already, being handled by another
   * delivery right now, or nothing to send (another type, a status without email, no such account).
   * Leaving a busy event to its holder is safe: should the holder fail, its own message is
   * redelivered (its failure is reported, or its invocation times out) and claims it again.
   */
  async handle(event: EventEnvelope): Promise<boolean> {
    const holder = randomUUID()
    if ((await this.claims.claim(CONSUMER, event.eventId, holder, CLAIM_SECONDS)) !== 'claimed') return false
    let message: EmailMessage | undefined
    try {
      message = await this.compose(event)
      if (message) await this.mailer.send(message)
    } catch (error) {
      // Let the redelivery of this message try again at once (a failed release only waits out the lease).
      await this.claims.release(CONSUMER, event.eventId, holder).catch(() => undefined)
      throw error
    }
    await this.claims.complete(CONSUMER, event.eventId)
    return message !== undefined
  }

  /** The email this event calls for, if any. Reads what it needs (the order, the account) now. */
  async compose(event: EventEnvelope): Promise<EmailMessage | undefined> {
    const data = eventData(event)
    switch (event.eventType) {
      case EventType.USER_CREATED:
      case EventType.VERIFICATION_REQUESTED:
        return this.verification(stringField(data, 'userId'), stringField(data, 'email'), stringField(data, 'firstName'))
      case EventType.PASSWORD_RESET_REQUESTED:
        return this.passwordReset(stringField(data, 'email'), event.eventId)
      case EventType.ORDER_STATUS_UPDATED:
        return this.orderStatus(stringField(data, 'orderId'), stringField(data, 'status'), data)
      case EventType.PAYMENT_REFUNDED:
        return this.refund(stringField(data, 'orderId'), {
          refundedNow: numberField(data, 'refundedNow'),
          amountRefunded: numberField(data, 'amountRefunded'),
          amount: numberField(data, 'amount'),
          currency: stringField(data, 'currency')
        })
      default:
        return undefined
    }
  }

  private verification(userId: string, email: string, firstName: string): EmailMessage {
    const token = this.sources.verificationTokens.emailVerificationToken(userId, email)
    const link = tokenLink(this.settings.publicBaseUrl, '/verify-email', token)
    return this.render(email, VERIFICATION, { firstName, link, expires: lifetimeInWords(this.settings.emailVerifyTtlSeconds) })
  }

  /** Only for a real account: for an unknown email the same work ends here, with no email. */
  private async passwordReset(email: string, eventId: string): Promise<EmailMessage | undefined> {
    const reset = await this.sources.resetLinks.prepareResetLink(email, eventId)
    if (!reset) return undefined
    const link = tokenLink(this.settings.publicBaseUrl, '/reset-password', reset.token)
    return this.render(reset.email, PASSWORD_RESET, { firstName: reset.firstName, link, expires: lifetimeInWords(PASSWORD_RESET_TTL_SECONDS) })
  }

  /**
   * The email of the status the event reports (not the order's status now: each change gets its own
   * email even when the order moved on before this ran). Awaiting payment and processing send none.
   */
  private async orderStatus(orderId: string, status: string, data: Record<string, unknown>): Promise<EmailMessage | undefined> {
    if (status !== 'confirmed' && status !== 'shipped' && status !== 'delivered' && status !== 'cancelled') return undefined
    const order = await this.order(orderId)
    switch (status) {
      case 'confirmed':
        return this.render(order.userEmail, ORDER_CONFIRMED, orderView(order))
      case 'shipped':
        return this.render(order.userEmail, ORDER_SHIPPED, shippedView(order.id, order.shipment))
      case 'delivered':
        return this.render(order.userEmail, ORDER_DELIVERED, { orderId: order.id })
      case 'cancelled':
        return this.render(order.userEmail, ORDER_CANCELLED, cancelledView(order, cancelReasonOf(data)))
    }
  }

  private async refund(orderId: string, refund: Parameters<typeof refundedView>[1]): Promise<EmailMessage | undefined> {
    if (refund.refundedNow <= 0) return undefined
    const order = await this.order(orderId)
    return this.render(order.userEmail, ORDER_REFUNDED, refundedView(order.id, refund))
  }

  /** Orders are never deleted and the event was written with the change: a missing one is an error (retried, then the DLQ). */
  private async order(orderId: string): Promise<Order> {
    const order = await this.sources.orders.get(orderId)
    if (!order) throw new Error(`order ${orderId} not found`)
    return order
  }

  private render(to: string, template: EmailTemplate, view: object): EmailMessage {
    return renderEmail(to, template, view, this.sender)
  }
}
