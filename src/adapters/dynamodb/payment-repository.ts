// PaymentRepository on DynamoDB: the payments table (key `id`, indexes `byOrder`, `byStatus`).
import { GetCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import { paymentPredecessors, type Payment, type PaymentStatus } from '../../domain/payment'
import type { RefundState } from '../../domain/refund'
import type { OutboxEntry } from '../../ports/outbox'
import type { PaymentChange, PaymentRepository } from '../../ports/payment-repository'
import { putIfAbsent, setClause, updateIf } from './conditional'
import { updateWithEvents } from './outbox-store'

export class DynamoPaymentRepository implements PaymentRepository {
  constructor(
    private readonly documents: DynamoDBDocumentClient,
    private readonly tableName: string,
    /** Where events written with a change go (the transactional outbox); needed only by writes that carry events. */
    private readonly outboxTable?: string
  ) {}

  create(payment: Payment): Promise<boolean> {
    return putIfAbsent(this.documents, this.tableName, { ...payment }, 'id')
  }

  async get(id: string): Promise<Payment | undefined> {
    const result = await this.documents.send(new GetCommand({ TableName: this.tableName, Key: { id }, ConsistentRead: true }))
    return result.Item as Payment | undefined
  }

  async listByOrder(orderId: string): Promise<Payment[]> {
    const result = await this.documents.send(
      new QueryCommand({ TableName: this.tableName, IndexName: 'byOrder', KeyConditionExpression: 'orderId = :orderId', ExpressionAttributeValues: { ':orderId': orderId } })
    )
    // The index is eventually consistent on AWS: re-read each record strongly before acting on it.
    const payments = await Promise.all((result.Items ?? []).map((item) => this.get(String(item.id))))
    return payments.filter((payment): payment is Payment => payment !== undefined)
  }

  async move(id: string, change: PaymentChange, events: OutboxEntry[] = []): Promise<Payment | undefined> {
    const from = paymentPredecessors(change.to)
    const set = setClause({ ...change.set, status: change.to, updatedAt: new Date().toISOString() })
    const update = {
      TableName: this.tableName,
      Key: { id },
      ConditionExpression: `attribute_exists(id) AND #status IN (${from.map((_, index) => `:from${index}`).join(', ')})`,
      UpdateExpression: set.expression,
      ExpressionAttributeNames: set.names,
      ExpressionAttributeValues: { ...set.values, ...Object.fromEntries(from.map((status, index) => [`:from${index}`, status])) }
    }
    if (events.length === 0) return (await updateIf(this.documents, update)) as Payment | undefined
    return (await updateWithEvents(this.documents, update, this.outboxTable, events)) ? this.get(id) : undefined
  }

  async saveRefunds(read: Payment, next: RefundState, events: OutboxEntry[] = []): Promise<Payment | undefined> {
    const revision = read.refundRevision ?? 0
    const now = new Date().toISOString()
    const set = setClause({ status: next.status, amountRefunded: next.amountRefunded, refunds: next.refunds, refundRevision: revision + 1, updatedAt: now })
    const update = {
      TableName: this.tableName,
      Key: { id: read.id },
      ConditionExpression: `attribute_exists(id) AND #status = :read AND ${revision === 0 ? 'attribute_not_exists(#refundRevision)' : '#refundRevision = :revision'}`,
      UpdateExpression: set.expression,
      ExpressionAttributeNames: set.names,
      ExpressionAttributeValues: { ...set.values, ':read': read.status, ...(revision === 0 ? {} : { ':revision': revision }) }
    }
    // The condition did not hold, or a concurrent transaction on the payment won: re-read and decide again.
    if (events.length > 0) {
      if (!(await updateWithEvents(this.documents, update, this.outboxTable, events))) return undefined
    } else if (!(await updateIf(this.documents, update))) {
      return undefined
    }
    // Exactly what the conditional write stored.
    return { ...read, ...next, refundRevision: revision + 1, updatedAt: now }
  }

  async listByStatus(status: PaymentStatus, limit: number): Promise<Payment[]> {
    const result = await this.documents.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: 'byStatus',
        KeyConditionExpression: '#status = :status',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':status': status },
        Limit: limit
      })
    )
    // Eventually consistent index: re-read strongly, and keep only what is still in that status.
    const payments = await Promise.all((result.Items ?? []).map((item) => this.get(String(item.id))))
    return payments.filter((payment): payment is Payment => payment?.status === status)
  }
}
