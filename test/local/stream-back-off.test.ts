// The local DynamoDB stream reader (src/local/dynamodb/stream-event-sources.ts) backs off while
// nothing is written: polling an idle stream every 100 ms took ~9 % of a CPU from the API beside it
// (BENCHMARKS.md, GET /health throughput). A write through the runtime's client wakes it at once, so
// records are still delivered within about pollMs.
import { randomBytes } from 'node:crypto'
import { CreateTableCommand, DeleteTableCommand, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb'
import { DynamoDBStreamsClient, type DynamoDBStreamsClientConfig } from '@aws-sdk/client-dynamodb-streams'
import t from 'tap'
import { dynamoDbLocalClientConfig } from '../../src/local/dynamodb/dynamodb-local'
import { startStreamSources } from '../../src/local/dynamodb/stream-event-sources'
import type { CloudFormationTemplate } from '../../src/local/template/template'
import { sharedDynamoDbLocal } from '../helpers/build'

type RequestHandler = NonNullable<DynamoDBStreamsClientConfig['requestHandler']>
type Handle = (request: unknown, options?: unknown) => Promise<unknown>

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

t.test('idle: the passes back off to idlePollMs; a write brings them back to pollMs and its record is delivered', async (t) => {
  const { endpoint } = await sharedDynamoDbLocal()
  const tableName = `stream-back-off-${randomBytes(4).toString('hex')}`
  const dynamodb = new DynamoDBClient(dynamoDbLocalClientConfig(endpoint))
  t.teardown(() => dynamodb.destroy())
  await dynamodb.send(
    new CreateTableCommand({
      TableName: tableName,
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' }
    })
  )
  t.teardown(() => dynamodb.send(new DeleteTableCommand({ TableName: tableName })).then(() => undefined))

  // Every request of the streams client, timed: the SDK's own handler, wrapped.
  const requests: number[] = []
  const probe = new DynamoDBStreamsClient(dynamoDbLocalClientConfig(endpoint))
  const inner = probe.config.requestHandler as unknown as { handle: Handle }
  const counting = { handle: (request: unknown, options?: unknown) => (requests.push(Date.now()), inner.handle(request, options)) }
  t.teardown(() => probe.destroy())

  const template: CloudFormationTemplate = {
    Resources: {
      Table: { Type: 'AWS::DynamoDB::Table', Properties: {} },
      Relay: {
        Type: 'AWS::Serverless::Function',
        Properties: { Handler: 'relay.handler', Events: { Stream: { Type: 'DynamoDB', Properties: { Stream: { 'Fn::GetAtt': ['Table', 'StreamArn'] }, BatchSize: 10 } } } }
      }
    }
  }
  const delivered: number[] = []
  const sources = await startStreamSources({
    template,
    names: { ref: (id) => (id === 'Table' ? tableName : undefined), getAtt: () => undefined },
    dynamodb,
    clientConfig: { ...dynamoDbLocalClientConfig(endpoint), requestHandler: counting as unknown as RequestHandler },
    invoke: async () => {
      delivered.push(Date.now())
      return undefined
    },
    log: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined } as never,
    pollMs: 20,
    idlePollMs: 400
  })
  t.teardown(() => sources.close())

  // Active for idlePollMs after the start, then 40, 80, 160, 320, 400, 400... ms apart.
  await sleep(1_500)
  const idleFrom = Date.now()
  await sleep(1_200)
  const idleRequests = requests.filter((at) => at >= idleFrom).length
  t.ok(idleRequests <= 5, `at most ~3 passes in 1.2 s once idle (each 1 GetRecords), got ${idleRequests} requests`)

  // Right after an idle pass, so that without the wake-up the next one would be ~400 ms away.
  const seen = requests.length
  for (let waited = 0; waited < 1_000 && requests.length === seen; waited += 5) await sleep(5)
  await dynamodb.send(new PutItemCommand({ TableName: tableName, Item: { pk: { S: 'one' } } }))
  const writtenAt = Date.now()
  for (let waited = 0; waited < 1_000 && !requests.some((at) => at >= writtenAt); waited += 5) await sleep(5)
  const nextPass = (requests.find((at) => at >= writtenAt) ?? Infinity) - writtenAt
  t.ok(nextPass < 150, `the write woke the reader: next pass ${nextPass} ms after it (pollMs 20, idle wait 400)`)
  for (let waited = 0; waited < 3_000 && delivered.length === 0; waited += 10) await sleep(10)
  t.equal(delivered.length > 0, true, 'the write was delivered')
  const activeFrom = Date.now()
  await sleep(200)
  t.ok(requests.filter((at) => at >= activeFrom).length >= 4, 'polled at pollMs again after the write')
})
