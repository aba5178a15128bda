// SQS consumer of the order-events queue (payment-events filtered to PAYMENT_CONFIRMED and
// PAYMENT_FAILED): a confirmed payment resumes the order's saga. Redelivery changes nothing: the
// saga's callback token can be used once, and later attempts find nothing to resume.
import type { Logger } from '../logger'
import { EventType } from '../services/events'
import type { OrderSaga } from '../services/order-saga'
import { createSqsWorker, type SqsWorker } from './sqs-worker'

export function createOrderEventsWorker(saga: Pick<OrderSaga, 'paymentSucceeded'>, logger: Logger): SqsWorker {
  return createSqsWorker<{ orderId?: string; paymentId?: string }>({
    name: 'order-events',
    logger,
    async handle(envelope, _record, log) {
      const { orderId, paymentId } = envelope.data
      if (!orderId || !paymentId) throw new Error(`${envelope.eventType} without orderId/paymentId`)
      if (envelope.eventType === EventType.PAYMENT_CONFIRMED) {
        const resumed = await saga.paymentSucceeded(orderId, paymentId)
        log.info({ orderId, paymentId, resumed }, resumed ? 'saga resumed: order paid' : 'nothing to resume (already done)')
      } else {
        // A failed attempt leaves the order payable until its payment window ends.
        log.info({ orderId, paymentId }, 'payment failed; order stays payable')
      }
    }
  })
}
