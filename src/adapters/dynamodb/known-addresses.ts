// KnownAddresses on the short-lived-records table: one item per account and address, its TTL pushed
// forward by every successful login from that address.
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import type { KnownAddresses } from '../../ports/known-addresses'

export class DynamoKnownAddresses implements KnownAddresses {
  constructor(
    private readonly documents: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly ttlSeconds: number,
    private readonly now: () => number = () => Date.now()
  ) {}

  async remember(account: string, address: string): Promise<void> {
    const expiresAt = Math.floor(this.now() / 1000) + this.ttlSeconds
    await this.documents.send(new PutCommand({ TableName: this.tableName, Item: { pk: this.pk(account, address), expiresAt } }))
  }

  async isKnown(account: string, address: string): Promise<boolean> {
    const result = await this.documents.send(new GetCommand({ TableName: this.tableName, Key: { pk: this.pk(account, address) }, ConsistentRead: true }))
    // TTL deletion lags (up to days on AWS): an expired item is not known any more.
    return Number(result.Item?.expiresAt ?? 0) > Math.floor(this.now() / 1000)
  }

  private pk(account: string, address: string): string {
    return `known-address#${account}#${address}`
  }
}
