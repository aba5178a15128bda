// Readiness probe for the table store: DescribeTable on one of the app's tables answers only when
// DynamoDB is reachable, the credentials work and the table exists.
import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb'
import type { ReadinessProbe } from '../../ports/readiness'

export class TableStoreProbe implements ReadinessProbe {
  readonly name = 'tableStore'

  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string
  ) {}

  async check(): Promise<void> {
    const { Table: table } = await this.client.send(new DescribeTableCommand({ TableName: this.tableName }))
    // UPDATING (e.g. an index being added) still serves reads and writes; CREATING or DELETING does not.
    if (table?.TableStatus !== 'ACTIVE' && table?.TableStatus !== 'UPDATING') {
      throw new Error(`table ${this.tableName} is ${table?.TableStatus ?? 'not described'}`)
    }
  }
}
