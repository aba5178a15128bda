// Reading one order by id, on its own: the notification worker reads orders and never writes them,
// so its bundle need not carry DynamoOrderRepository (transactions, stock moves, queries). The same
// read as DynamoOrderRepository.get (strongly consistent: the event that sent the reader here was
// written with the change it reports).
import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import type { Order } from '../../domain/order'
import type { OrderRepository } from '../../ports/order-repository'

export class DynamoOrderReader implements Pick<OrderRepository, 'get'> {
  constructor(
    private readonly documents: DynamoDBDocumentClient,
    private readonly ordersTable: string
  ) {}

  async get(id: string): Promise<Order | undefined> {
    const result = await this.documents.send(new GetCommand({ TableName: this.ordersTable, Key: { id }, ConsistentRead: true }))
    return result.Item as Order | undefined
  }
}
