// Step Functions task handler of the order-processing saga: one function, dispatching on the
// payload's `task` (set by each Task state of statemachine/order-processing.asl.json).
import { Literal, Null, Object as ObjectType, Optional, String as StringType, Union, type Static } from '@sinclair/typebox'
import { Errors } from '@sinclair/typebox/errors'
import { Check } from '@sinclair/typebox/value'
import { CANCEL_REASONS } from '../domain/order'
import type { Logger } from '../logger'
import { PaymentGatewayError } from '../ports/payment-gateway'
import type { OrderSaga } from '../services/order-saga'

// TypeBox's builders and checks by name, not its `Type` and `Value` namespaces (all of TypeBox), to
// keep this worker's bundle small.
const Type = { Literal, Null, Object: ObjectType, Optional, String: StringType, Union }

const Common = { orderId: Type.String({ minLength: 1 }), correlationId: Type.Optional(Type.String()) }

export const SagaTaskInput = Type.Union([
  Type.Object({ task: Type.Literal('reserveInventory'), ...Common }),
  Type.Object({ task: Type.Literal('awaitPayment'), taskToken: Type.String({ minLength: 1 }), ...Common }),
  Type.Object({
    task: Type.Literal('confirmOrder'),
    payment: Type.Optional(Type.Object({ paymentId: Type.Optional(Type.Union([Type.String(), Type.Null()])) })),
    ...Common
  }),
  Type.Object({ task: Type.Literal('reconcilePayment'), ...Common }),
  Type.Object({ task: Type.Literal('releaseInventory'), ...Common }),
  Type.Object({ task: Type.Literal('cancelOrder'), cancelReason: Type.Union(CANCEL_REASONS.map((reason) => Type.Literal(reason))), ...Common }),
  // Executions started by an older definition (with a SendNotification state) may still ask for it.
  Type.Object({ task: Type.Literal('notifyCustomer'), ...Common })
])
export type SagaTaskInput = Static<typeof SagaTaskInput>

export function createOrderSagaWorker(saga: OrderSaga, logger: Logger) {
  return async (event: unknown): Promise<unknown> => {
    if (!Check(SagaTaskInput, event)) {
      const error = new Error(`invalid saga task input: ${Errors(SagaTaskInput, event).First()?.message ?? 'unknown'}`)
      error.name = 'InvalidTaskInput'
      throw error
    }
    const correlationId = event.correlationId ?? 'none'
    const log = logger.child({ worker: 'order-saga', task: event.task, orderId: event.orderId, correlationId })
    try {
      const result = await run(saga, event, correlationId)
      log.info({ result }, 'saga task done')
      return result ?? {}
    } catch (error) {
      log.warn({ err: error }, 'saga task failed')
      throw asTaskError(error)
    }
  }
}

/**
 * The error the state machine sees (a Lambda's errorType is the thrown error's name): a transient
 * failure must carry a name the ASL's Retry waits out. StoreUnavailableError, TransientStoreError and
 * PaymentInFlight already do; a payment provider that is down becomes PaymentGatewayUnavailable
 * (its other failures keep the name PaymentGatewayError). Everything else is passed on as it is.
 */
export function asTaskError(error: unknown): unknown {
  if (error instanceof PaymentGatewayError && error.kind === 'unavailable') {
    const unavailable = new Error(error.message, { cause: error })
    unavailable.name = 'PaymentGatewayUnavailable'
    return unavailable
  }
  return error
}

async function run(saga: OrderSaga, input: SagaTaskInput, correlationId: string): Promise<unknown> {
  switch (input.task) {
    case 'reserveInventory':
      return saga.reserveInventory(input.orderId, correlationId)
    case 'awaitPayment':
      return saga.awaitPayment(input.orderId, input.taskToken, correlationId)
    case 'confirmOrder':
      return saga.confirmOrder(input.orderId, input.payment?.paymentId ?? undefined, correlationId)
    case 'reconcilePayment':
      return saga.reconcilePayment(input.orderId, correlationId)
    case 'releaseInventory':
      return saga.releaseInventory(input.orderId)
    case 'cancelOrder':
      return saga.cancelOrder(input.orderId, input.cancelReason, correlationId)
    case 'notifyCustomer':
      // Emails now come from the notification worker (ORDER_STATUS_UPDATED): nothing to do here, so an
      // execution started before the change ends as it would have, without a second email.
      return { sent: false }
  }
}
