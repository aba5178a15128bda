// Turns domain events into emails. Each event is handled once per consumer: a redelivered message
// (SQS is at-least-once) is recognised and skipped. If sending succeeds but recording it fails, the
// message is redelivered and the email may go out twice; it is never lost.
import { formatMoney } from '../domain/money'
import type { Order } from '../domain/order'
import type { EventEnvelope } from '../ports/event-bus'
import type { Mailer } from '../ports/mailer'
import type { ProcessedEvents } from '../ports/processed-events'
import { EventType } from './events'

const CONSUMER = 'notification'

/** Mints the token of an email-verification link (AuthService, or the TokenService it uses). */
export interface EmailVerificationTokens {
  emailVerificationToken(userId: string, email: string): string
}

export class NotificationService {
  constructor(
    private readonly mailer: Mailer,
    private readonly processed: ProcessedEvents,
    private readonly auth: EmailVerificationTokens,
    private readonly publicBaseUrl: string
  ) {}

  /** Returns false when the event was already handled (or is of a type that sends nothing). */
  async handle(event: EventEnvelope): Promise<boolean> {
    if (await this.processed.has(CONSUMER, event.eventId)) return false
    const sent = await this.send(event)
    await this.processed.remember(CONSUMER, event.eventId)
    return sent
  }

  /** Tells the customer their order was confirmed or cancelled; other statuses send nothing. */
  async orderStatusChanged(order: Order): Promise<boolean> {
    const amount = formatMoney(order.total, order.currency)
    const reasons: Record<string, string> = {
      out_of_stock: 'some items were out of stock',
      payment_timeout: 'payment was not received in time',
      customer: 'you cancelled it',
      admin: 'it was cancelled by our team',
      payment_failed: 'the payment failed'
    }
    if (order.status === 'confirmed') {
      await this.mailer.send({
        to: order.userEmail,
        subject: `Order ${order.id} confirmed`,
        text: `Thank you! Your order ${order.id} (${amount}) is confirmed and will ship soon.\n`
      })
      return true
    }
    if (order.status === 'cancelled') {
      await this.mailer.send({
        to: order.userEmail,
        subject: `Order ${order.id} cancelled`,
        text: `Your order ${order.id} (${amount}) was cancelled because ${reasons[order.cancelReason ?? 'admin']}.\n`
      })
      return true
    }
    return false
  }

  private async send(event: EventEnvelope): Promise<boolean> {
    switch (event.eventType) {
      case EventType.USER_CREATED: {
        const { userId, email, firstName } = event.data as { userId: string; email: string; firstName: string }
        const token = this.auth.emailVerificationToken(userId, email)
        const link = `${this.publicBaseUrl.replace(/\/$/, '')}/verify-email?token=${encodeURIComponent(token)}`
        await this.mailer.send({
          to: email,
          subject: 'Verify your email address',
          text: `Hello ${firstName},\n\nPlease confirm your email address by opening this link:\n${link}\n\nThe link expires in 24 hours. If you did not create an account, ignore this email.\n`
        })
        return true
      }
      default:
        return false
    }
  }
}
