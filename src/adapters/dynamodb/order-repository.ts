// OrderRepository on DynamoDB. Stock moves and status changes happen in one TransactWriteItems:
// the order item's condition (expected status and reservation state) makes the whole write
// idempotent, and each product's condition (`available >= quantity`) makes overselling impossible,
// whatever the concurrency. Transactions, rather than separate conditional writes, because an order
// reserves several products at once and must take all of them or none.
import { setTimeout as sleep } from 'node:timers/promises'
import {
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  type DynamoDBDocumentClient
} from '@aws-sdk/lib-dynamodb'
import { ORDER_KIND, REFUND_DUE, stockDelta, type Order, type OrderStatus, type ReservationState } from '../../domain/order'
import type { OrderPage, OrderRepository, OrderTransition, ReserveOutcome } from '../../ports/order-repository'
import type { OutboxEntry } from '../../ports/outbox'
import { isConditionFailed, putIfAbsent, setClause, updateIf } from './conditional'
import { outboxPut } from './outbox-store'

type TransactItems = NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']>

/** A write lost a race with another transaction on the same items; retrying later may succeed. */
export class TransientStoreError extends Error {
  override readonly name = 'TransientStoreError'
}

interface CancellationReason {
  Code?: string
}

const CONFLICT_RETRIES = 8

export class DynamoOrderRepository implements OrderRepository {
  constructor(
    private readonly documents: DynamoDBDocumentClient,
    private readonly ordersTable: string,
    private readonly productsTable: string,
    /** Where events written with a change go (the transactional outbox); needed only by writes that carry events. */
    private readonly outboxTable?: string
  ) {}

  async create(order: Order, events: OutboxEntry[] = []): Promise<boolean> {
    // `kind` puts every order in byCreatedAt (the back office's list of all orders).
    const item = { ...order, kind: ORDER_KIND }
    if (events.length === 0) return putIfAbsent(this.documents, this.ordersTable, item, 'id')
    const failure = await this.transact([
      { Put: { TableName: this.ordersTable, Item: item, ConditionExpression: 'attribute_not_exists(id)' } },
      ...this.outboxPuts(events)
    ])
    return failure === undefined
  }

  async get(id: string): Promise<Order | undefined> {
    const result = await this.documents.send(new GetCommand({ TableName: this.ordersTable, Key: { id }, ConsistentRead: true }))
    return result.Item as Order | undefined
  }

  async listByUser(userId: string, limit: number, startKey?: Record<string, unknown>): Promise<OrderPage> {
    const result = await this.documents.send(
      new QueryCommand({
        TableName: this.ordersTable,
        IndexName: 'byUser',
        KeyConditionExpression: 'userId = :userId',
        ExpressionAttributeValues: { ':userId': userId },
        ScanIndexForward: false,
        Limit: limit,
        ExclusiveStartKey: startKey
      })
    )
    return { orders: (result.Items ?? []) as Order[], lastKey: result.LastEvaluatedKey }
  }

  async listByStatus(status: OrderStatus, createdBefore: string, limit: number, startKey?: Record<string, unknown>): Promise<OrderPage> {
    const result = await this.documents.send(
      new QueryCommand({
        TableName: this.ordersTable,
        IndexName: 'byStatus',
        KeyConditionExpression: '#status = :status AND createdAt < :before',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':status': status, ':before': createdBefore },
        ScanIndexForward: true,
        Limit: limit,
        ExclusiveStartKey: startKey
      })
    )
    return { orders: (result.Items ?? []) as Order[], lastKey: result.LastEvaluatedKey }
  }

  async reserve(order: Order, events: OutboxEntry[] = []): Promise<ReserveOutcome> {
    const items: TransactItems = [
      {
        Update: {
          TableName: this.ordersTable,
          Key: { id: order.id },
          ConditionExpression: '#status = :pending AND reservation = :none',
          UpdateExpression: 'SET reservation = :reserved, updatedAt = :now',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':pending': 'pending', ':none': 'none', ':reserved': 'reserved', ':now': new Date().toISOString() }
        }
      },
      ...order.items.map((line) => ({
        Update: {
          TableName: this.productsTable,
          Key: { id: line.productId },
          ConditionExpression: 'available >= :quantity AND active = :true',
          UpdateExpression: 'ADD available :minus, reserved :quantity',
          ExpressionAttributeValues: { ':quantity': line.quantity, ':minus': -line.quantity, ':true': true }
        }
      })),
      // After the products: the cancellation reasons below are read by position.
      ...this.outboxPuts(events)
    ]
    const failure = await this.transact(items)
    if (!failure) return { outcome: 'reserved' }

    const current = await this.get(order.id)
    if (current?.reservation === 'reserved' || current?.reservation === 'committed') return { outcome: 'reserved' }
    if (!current || current.status !== 'pending' || current.reservation !== 'none') {
      return { outcome: 'not_pending', status: current?.status ?? order.status }
    }
    const productIds = failure.reasons
      ? order.items.filter((_, index) => failure.reasons?.[index + 1]?.Code === 'ConditionalCheckFailed').map((line) => line.productId)
      : order.items.map((line) => line.productId)
    return { outcome: 'insufficient', productIds }
  }

  async transition(order: Order, change: OrderTransition, events: OutboxEntry[] = []): Promise<Order | undefined> {
    const now = new Date().toISOString()
    const reservationTo: ReservationState = change.reservationTo ?? order.reservation
    const set = setClause({ ...change.set, status: change.to, updatedAt: now, reservation: reservationTo })
    const update = {
      TableName: this.ordersTable,
      Key: { id: order.id },
      ConditionExpression: '#status = :from AND #reservation = :reservationFrom',
      UpdateExpression: `${set.expression}${change.clearPaymentTaskToken ? ' REMOVE paymentTaskToken' : ''}`,
      ExpressionAttributeNames: set.names,
      ExpressionAttributeValues: { ...set.values, ':from': order.status, ':reservationFrom': order.reservation }
    }
    const productUpdates = reservationTo === order.reservation ? [] : this.stockUpdates(order, reservationTo)
    if (productUpdates.length === 0 && events.length === 0) return (await updateIf(this.documents, update)) as Order | undefined
    const failure = await this.transact([{ Update: update }, ...productUpdates, ...this.outboxPuts(events)])
    return failure ? undefined : this.get(order.id)
  }

  private outboxPuts(events: OutboxEntry[]): TransactItems {
    if (events.length === 0) return []
    if (!this.outboxTable) throw new Error('DynamoOrderRepository was built without an outbox table, but a write carries events')
    return events.map((entry) => outboxPut(this.outboxTable as string, entry))
  }

  async lockForPayment(orderId: string, paymentId: string): Promise<'locked' | 'held_by_other' | 'not_payable'> {
    for (let attempt = 0; ; attempt++) {
      const outcome = await this.tryLockForPayment(orderId, paymentId)
      // `undefined`: the holder let go between the write and the read; try again, a few times.
      if (outcome !== undefined) return outcome
      if (attempt >= 2) return 'held_by_other'
    }
  }

  private async tryLockForPayment(orderId: string, paymentId: string): Promise<'locked' | 'held_by_other' | 'not_payable' | undefined> {
    const locked = await updateIf(this.documents, {
      TableName: this.ordersTable,
      Key: { id: orderId },
      // One item, one conditional write: it and closePaymentWindow's are serialised by DynamoDB, so
      // either the payment holds the order before the window closes or it is refused.
      ConditionExpression:
        '#status = :awaiting AND ((attribute_not_exists(paymentLock) AND attribute_not_exists(paymentWindowClosedAt)) OR paymentLock = :paymentId)',
      UpdateExpression: 'SET paymentLock = :paymentId',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':awaiting': 'awaiting_payment', ':paymentId': paymentId }
    })
    if (locked) return 'locked'
    const order = await this.get(orderId)
    if (order?.status !== 'awaiting_payment' || order.paymentWindowClosedAt !== undefined) return 'not_payable'
    return order.paymentLock === undefined ? undefined : 'held_by_other'
  }

  async closePaymentWindow(orderId: string): Promise<'closed' | 'locked' | 'not_awaiting'> {
    for (let attempt = 0; ; attempt++) {
      const closed = await updateIf(this.documents, {
        TableName: this.ordersTable,
        Key: { id: orderId },
        ConditionExpression: '#status = :awaiting AND attribute_not_exists(paymentLock)',
        // The first close is the one remembered; closing again changes nothing.
        UpdateExpression: 'SET paymentWindowClosedAt = if_not_exists(paymentWindowClosedAt, :now)',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':awaiting': 'awaiting_payment', ':now': new Date().toISOString() }
      })
      if (closed) return 'closed'
      const order = await this.get(orderId)
      if (order?.status !== 'awaiting_payment') return 'not_awaiting'
      // The holder let go between the write and the read: try again (a few times; then it is held again).
      if (order.paymentLock !== undefined || attempt >= 2) return 'locked'
    }
  }

  async unlockPayment(orderId: string, paymentId: string): Promise<void> {
    await updateIf(this.documents, {
      TableName: this.ordersTable,
      Key: { id: orderId },
      ConditionExpression: 'paymentLock = :paymentId',
      UpdateExpression: 'REMOVE paymentLock',
      ExpressionAttributeValues: { ':paymentId': paymentId }
    })
  }

  async listRefundDue(dueBy: string, limit: number): Promise<Order[]> {
    const result = await this.documents.send(
      new QueryCommand({
        TableName: this.ordersTable,
        IndexName: 'byRefundDue',
        KeyConditionExpression: 'refundDue = :due AND refundDueAt <= :dueBy',
        ExpressionAttributeValues: { ':due': REFUND_DUE, ':dueBy': dueBy },
        Limit: limit
      })
    )
    // The index is eventually consistent: re-read strongly, keep what still owes a refund.
    const orders = await Promise.all((result.Items ?? []).map((item) => this.get(String(item.id))))
    return orders.filter((order): order is Order => order?.refundDueAt !== undefined)
  }

  async clearRefundDue(orderId: string): Promise<void> {
    await updateIf(this.documents, {
      TableName: this.ordersTable,
      Key: { id: orderId },
      ConditionExpression: 'attribute_exists(refundDueAt)',
      UpdateExpression: 'REMOVE refundDue, refundDueAt'
    })
  }

  async postponeRefundDue(orderId: string, at: string): Promise<void> {
    await updateIf(this.documents, {
      TableName: this.ordersTable,
      Key: { id: orderId },
      ConditionExpression: 'attribute_exists(refundDueAt)',
      UpdateExpression: 'SET refundDueAt = :at',
      ExpressionAttributeValues: { ':at': at }
    })
  }

  private stockUpdates(order: Order, to: ReservationState): TransactItems {
    return order.items.flatMap((line) => {
      const delta = stockDelta(order.reservation, to, line.quantity)
      const adds = (['stock', 'reserved', 'available'] as const).filter((field) => delta[field] !== 0)
      if (adds.length === 0) return []
      return [
        {
          Update: {
            TableName: this.productsTable,
            Key: { id: line.productId },
            ConditionExpression: 'attribute_exists(id)',
            UpdateExpression: `ADD ${adds.map((field) => `${field} :${field}`).join(', ')}`,
            ExpressionAttributeValues: Object.fromEntries(adds.map((field) => [`:${field}`, delta[field]]))
          }
        }
      ]
    })
  }

  /**
   * Runs the transaction; undefined on success, the cancellation reasons when a condition failed.
   * Conflicts with concurrent transactions on the same items are retried with jitter, then reported
   * as TransientStoreError (the saga's Retry takes it from there).
   */
  private async transact(items: TransactItems): Promise<{ reasons?: CancellationReason[] } | undefined> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.documents.send(new TransactWriteCommand({ TransactItems: items }))
        return undefined
      } catch (error) {
        const reasons = (error as { CancellationReasons?: CancellationReason[] }).CancellationReasons
        const conflicted = (error as { name?: string }).name === 'TransactionConflictException' ||
          (reasons?.some((reason) => reason.Code === 'TransactionConflict') && !reasons.some((reason) => reason.Code === 'ConditionalCheckFailed'))
        if (conflicted) {
          if (attempt >= CONFLICT_RETRIES) throw new TransientStoreError('transaction conflict; retry later')
          await sleep(10 + Math.random() * 20 * 2 ** Math.min(attempt, 5))
          continue
        }
        if (isConditionFailed(error)) return { reasons }
        throw error
      }
    }
  }
}
