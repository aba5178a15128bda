// Creates template.yaml's DynamoDB tables (AWS::DynamoDB::Table) in DynamoDB Local — keys, indexes,
// billing, streams and TTL as declared there — so local tables cannot drift from the ones on AWS.
// Tables that already exist (a persisted data folder) keep their items; what the template added since
// (a global secondary index, a stream) is added to them, as a stack update would; a table whose keys,
// or an index's keys, or TTL no longer match the template is reported instead of failing obscurely later.
import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  ResourceInUseException,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
  type AttributeDefinition,
  type CreateTableCommandInput,
  type DynamoDBClient,
  type KeySchemaElement,
  type Projection,
  type ProvisionedThroughput,
  type StreamViewType,
  type TableDescription
} from '@aws-sdk/client-dynamodb'
import { resolveIntrinsics, resourcesOfType, type CloudFormationTemplate, type IntrinsicContext } from '../template/template'

type Throughput = { ReadCapacityUnits: number | string; WriteCapacityUnits: number | string }

interface IndexProperties {
  IndexName: string
  KeySchema: KeySchemaElement[]
  Projection: Projection
  ProvisionedThroughput?: Throughput
}

/** The CloudFormation properties of AWS::DynamoDB::Table that matter locally, intrinsics resolved. */
interface TableProperties {
  AttributeDefinitions: AttributeDefinition[]
  KeySchema: KeySchemaElement[]
  BillingMode?: 'PAY_PER_REQUEST' | 'PROVISIONED'
  ProvisionedThroughput?: Throughput
  GlobalSecondaryIndexes?: IndexProperties[]
  LocalSecondaryIndexes?: IndexProperties[]
  StreamSpecification?: { StreamViewType: StreamViewType }
  TimeToLiveSpecification?: { AttributeName: string; Enabled: boolean | string }
}

const USED_PROPERTIES = new Set([
  'AttributeDefinitions',
  'KeySchema',
  'BillingMode',
  'ProvisionedThroughput',
  'GlobalSecondaryIndexes',
  'LocalSecondaryIndexes',
  'StreamSpecification',
  'TimeToLiveSpecification'
])

/** Creates every table of the template that does not exist yet; returns all their names. */
export async function createTablesFromTemplate(
  client: DynamoDBClient,
  template: CloudFormationTemplate,
  names: IntrinsicContext
): Promise<string[]> {
  return Promise.all(
    resourcesOfType(template, 'AWS::DynamoDB::Table').map(async ([logicalId, resource]) => {
      const tableName = names.ref(logicalId)
      if (!tableName) throw new Error(`template: no local name for table ${logicalId}`)
      // Only the properties used here are resolved: others (KMS keys, tags) may name things that do not exist locally.
      const used = Object.entries(resource.Properties ?? {}).filter(([key]) => USED_PROPERTIES.has(key))
      const properties = resolveIntrinsics(Object.fromEntries(used), names) as TableProperties
      await createTable(client, tableName, properties)
      return tableName
    })
  )
}

async function createTable(client: DynamoDBClient, tableName: string, properties: TableProperties): Promise<void> {
  let existed = false
  try {
    await client.send(new CreateTableCommand(createTableInput(tableName, properties)))
  } catch (error) {
    // By name too: another copy of the SDK in node_modules would have its own class.
    if (!(error instanceof ResourceInUseException || (error as Error).name === 'ResourceInUseException')) throw error
    existed = true
  }
  await waitUntilTableExists({ client, maxWaitTime: 60, minDelay: 1, maxDelay: 2 }, { TableName: tableName })

  const ttl = properties.TimeToLiveSpecification
  const wantedTtl = ttl && String(ttl.Enabled) === 'true' ? ttl.AttributeName : undefined
  const { TimeToLiveDescription: current } = await client.send(new DescribeTimeToLiveCommand({ TableName: tableName }))
  const currentTtl = current?.TimeToLiveStatus === 'ENABLED' || current?.TimeToLiveStatus === 'ENABLING' ? current.AttributeName : undefined

  if (existed) {
    await applyTemplateChanges(client, tableName, properties)
    const { Table: table } = await client.send(new DescribeTableCommand({ TableName: tableName }))
    const drift = schemaDrift(properties, table, wantedTtl, currentTtl)
    if (drift.length) {
      throw new Error(
        `Table ${tableName} in the local data differs from template.yaml (${drift.join('; ')}). ` +
          'Delete the local data folder to recreate it.'
      )
    }
  }
  if (wantedTtl && !currentTtl) {
    await client.send(new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification: { AttributeName: wantedTtl, Enabled: true } }))
  }
}

const INDEX_CHANGE_WAIT_MS = 60_000

/**
 * A persisted table made from an older template follows the template as a stack update would: the
 * global secondary indexes it has since removed are deleted, those it has added are created (DynamoDB
 * builds a new index from the existing items), and a stream it has added is turned on. One index per
 * UpdateTable, as DynamoDB requires; each change is waited for (queries fail while an index is built).
 */
async function applyTemplateChanges(client: DynamoDBClient, tableName: string, properties: TableProperties): Promise<void> {
  const describe = async () => (await client.send(new DescribeTableCommand({ TableName: tableName }))).Table
  const indexStatus = async (name: string) => (await describe())?.GlobalSecondaryIndexes?.find((item) => item.IndexName === name)?.IndexStatus
  const waitFor = async (name: string, done: (status: string | undefined) => boolean, goal: string) => {
    const deadline = Date.now() + INDEX_CHANGE_WAIT_MS
    for (let status = await indexStatus(name); !done(status); status = await indexStatus(name)) {
      if (Date.now() > deadline) throw new Error(`Table ${tableName}: index ${name} was still ${status ?? 'missing'} after ${INDEX_CHANGE_WAIT_MS / 1000} s, not ${goal}`)
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
  }
  const table = await describe()
  const existing = new Set((table?.GlobalSecondaryIndexes ?? []).map((index) => index.IndexName))
  const wantedIndexes = properties.GlobalSecondaryIndexes ?? []
  for (const name of existing) {
    if (!name || wantedIndexes.some((index) => index.IndexName === name)) continue
    await client.send(new UpdateTableCommand({ TableName: tableName, GlobalSecondaryIndexUpdates: [{ Delete: { IndexName: name } }] }))
    await waitFor(name, (status) => status === undefined, 'deleted')
  }
  for (const index of wantedIndexes) {
    if (existing.has(index.IndexName)) continue
    await client.send(
      new UpdateTableCommand({
        TableName: tableName,
        AttributeDefinitions: properties.AttributeDefinitions,
        GlobalSecondaryIndexUpdates: [{ Create: { IndexName: index.IndexName, KeySchema: index.KeySchema, Projection: index.Projection } }]
      })
    )
    await waitFor(index.IndexName, (status) => status === 'ACTIVE', 'ACTIVE')
  }
  const wanted = properties.StreamSpecification?.StreamViewType
  if (wanted && !table?.StreamSpecification?.StreamEnabled) {
    await client.send(new UpdateTableCommand({ TableName: tableName, StreamSpecification: { StreamEnabled: true, StreamViewType: wanted } }))
  }
}

function createTableInput(tableName: string, properties: TableProperties): CreateTableCommandInput {
  // CloudFormation's own default is PROVISIONED, which requires throughput; without it, on demand.
  const provisioned = properties.BillingMode !== 'PAY_PER_REQUEST' && properties.ProvisionedThroughput !== undefined
  const throughput = (value: Throughput | undefined): ProvisionedThroughput | undefined =>
    provisioned && value ? { ReadCapacityUnits: Number(value.ReadCapacityUnits), WriteCapacityUnits: Number(value.WriteCapacityUnits) } : undefined
  const index = (item: IndexProperties) => ({ IndexName: item.IndexName, KeySchema: item.KeySchema, Projection: item.Projection })
  return {
    TableName: tableName,
    AttributeDefinitions: properties.AttributeDefinitions,
    KeySchema: properties.KeySchema,
    BillingMode: provisioned ? 'PROVISIONED' : 'PAY_PER_REQUEST',
    ProvisionedThroughput: throughput(properties.ProvisionedThroughput),
    // DynamoDB rejects an empty index list; CloudFormation reads it as "no indexes".
    GlobalSecondaryIndexes: properties.GlobalSecondaryIndexes?.length
      ? properties.GlobalSecondaryIndexes.map((item) => ({
          ...index(item),
          ProvisionedThroughput: throughput(item.ProvisionedThroughput ?? properties.ProvisionedThroughput)
        }))
      : undefined,
    LocalSecondaryIndexes: properties.LocalSecondaryIndexes?.length ? properties.LocalSecondaryIndexes.map(index) : undefined,
    StreamSpecification: properties.StreamSpecification
      ? { StreamEnabled: true, StreamViewType: properties.StreamSpecification.StreamViewType }
      : undefined
  }
}

/** How an existing table differs from the template in what the code relies on: keys, indexes, TTL. */
function schemaDrift(
  properties: TableProperties,
  table: TableDescription | undefined,
  wantedTtl: string | undefined,
  currentTtl: string | undefined
): string[] {
  const keys = (schema: KeySchemaElement[] | undefined, definitions: AttributeDefinition[] | undefined) =>
    (schema ?? [])
      .map((key) => `${key.AttributeName}:${definitions?.find((d) => d.AttributeName === key.AttributeName)?.AttributeType}:${key.KeyType}`)
      .join(',')
  const indexes = (list: Array<{ IndexName?: string; KeySchema?: KeySchemaElement[] }> | undefined, definitions: AttributeDefinition[] | undefined) =>
    new Map((list ?? []).map((item) => [item.IndexName ?? '', keys(item.KeySchema, definitions)]))
  const drift: string[] = []

  const wantedKey = keys(properties.KeySchema, properties.AttributeDefinitions)
  const actualKey = keys(table?.KeySchema, table?.AttributeDefinitions)
  if (wantedKey !== actualKey) drift.push(`key ${actualKey}, template ${wantedKey}`)
  for (const kind of ['GlobalSecondaryIndexes', 'LocalSecondaryIndexes'] as const) {
    const wanted = indexes(properties[kind], properties.AttributeDefinitions)
    const actual = indexes(table?.[kind], table?.AttributeDefinitions)
    for (const [name, key] of wanted) {
      if (!actual.has(name)) drift.push(`index ${name} missing`)
      else if (actual.get(name) !== key) drift.push(`index ${name} key ${actual.get(name)}, template ${key}`)
    }
    for (const name of actual.keys()) if (!wanted.has(name)) drift.push(`index ${name} not in the template`)
  }
  // TTL not enabled yet is no drift: an earlier run may have stopped between the two calls; it is enabled next.
  if (currentTtl !== undefined && currentTtl !== wantedTtl) drift.push(`TTL on ${currentTtl}, template ${wantedTtl ?? 'no TTL'}`)
  return drift
}
