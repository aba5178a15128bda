// DynamoDB Streams → Lambda, locally: every function event of `Type: DynamoDB` in template.yaml reads
// the named table's stream in DynamoDB Local (the real Streams API) and invokes its function with
// Lambda-shaped stream events, as the Lambda event source mapping would: batches of up to BatchSize
// records in order, `batchItemFailures` honoured (the batch is retried from the first failed record),
// a record that keeps failing given up after MaximumRetryAttempts (logged; the outbox relay's
// scheduled run is the backstop for what it carried). Starts at TRIM_HORIZON: after a restart on
// persisted data old records are delivered again — at least once, as on AWS.
import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb'
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  type DynamoDBStreamsClientConfig,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type _Record as StreamRecord
} from '@aws-sdk/client-dynamodb-streams'
import { resolveIntrinsics, resourcesOfType, type CloudFormationTemplate, type IntrinsicContext } from '../template/template'
import { LOCAL_REGION } from '../template/names'
import type { Log } from '../log'

export interface StreamSourceOptions {
  template: CloudFormationTemplate
  names: IntrinsicContext
  dynamodb: DynamoDBClient
  /** The client config of DynamoDB Local (endpoint, credentials), for its Streams API. */
  clientConfig: DynamoDBStreamsClientConfig
  invoke: (functionLogicalId: string, event: unknown) => Promise<unknown>
  log: Log
  /** How often the streams are polled while records flow or right after a write (Lambda polls about 4 times a second). */
  pollMs?: number
  /**
   * The longest wait between passes when nothing has been written: each empty pass doubles the wait
   * from `pollMs` up to this. Writes made through `dynamodb` (the client the services and workers use)
   * bring it back to `pollMs` at once, so they are picked up as fast as ever; only writes made around
   * this process (another client on DynamoDB Local) can wait this long.
   */
  idlePollMs?: number
}

export interface StreamSources {
  /** Resolves once every stream has been read to its end and no batch is in flight. */
  idle(): Promise<void>
  close(): Promise<void>
}

interface Mapping {
  functionId: string
  tableName: string
  batchSize: number
  maximumRetryAttempts: number
}

interface ShardCursor {
  shardId: string
  iterator?: string
  /** Consecutive failed deliveries of the batch starting at the first record not yet done. */
  failures: number
}

const DEFAULT_BATCH_SIZE = 100
const MAX_IDLE_ROUNDS = 50
/** How often the shard list is read again even if no shard was seen closing. */
const REDESCRIBE_MS = 10_000
const RENEW_ITERATOR_ERRORS = new Set(['TrimmedDataAccessException', 'ExpiredIteratorException'])
/** Commands that can add stream records: after one of these succeeds, the streams are polled soon. */
const WRITE_COMMANDS = new Set([
  'PutItemCommand',
  'UpdateItemCommand',
  'DeleteItemCommand',
  'BatchWriteItemCommand',
  'TransactWriteItemsCommand',
  'ExecuteStatementCommand',
  'BatchExecuteStatementCommand',
  'ExecuteTransactionCommand'
])
const WAKE_MIDDLEWARE = 'localStreamSourcesWakeOnWrite'

export async function startStreamSources(options: StreamSourceOptions): Promise<StreamSources> {
  const streams = new DynamoDBStreamsClient(options.clientConfig)
  const pollMs = options.pollMs ?? 100
  // Polling an idle stream every 100 ms cost ~8 % of a CPU (the SDK calls here, DynamoDB Local's
  // answers), taken from the API it shares the machine with (BENCHMARKS.md, GET /health throughput).
  const idlePollMs = Math.max(pollMs, options.idlePollMs ?? 1_000)
  let closed = false
  let inFlight: Promise<number> | undefined
  const readers = await Promise.all(mappingsOf(options.template, options.names).map((mapping) => reader(mapping)))

  async function reader(mapping: Mapping) {
    const table = await options.dynamodb.send(new DescribeTableCommand({ TableName: mapping.tableName }))
    const streamArn = table.Table?.LatestStreamArn
    if (!streamArn) throw new Error(`Table ${mapping.tableName} has no stream, but function ${mapping.functionId} reads one (add StreamSpecification)`)
    const shards = new Map<string, ShardCursor>()
    // The shard list changes only when a shard closes and its child opens: describe the stream then
    // (and now and then as a safety), not on every pass of the loop.
    let describedAt = Number.NEGATIVE_INFINITY
    let shardClosed = true

    /** One pass over every shard; the number of records delivered. */
    return async function poll(): Promise<number> {
      if (shardClosed || Date.now() - describedAt > REDESCRIBE_MS) {
        const description = await streams.send(new DescribeStreamCommand({ StreamArn: streamArn }))
        for (const shard of description.StreamDescription?.Shards ?? []) {
          if (shard.ShardId && !shards.has(shard.ShardId)) shards.set(shard.ShardId, { shardId: shard.ShardId, failures: 0 })
        }
        describedAt = Date.now()
        shardClosed = false
      }
      let delivered = 0
      for (const cursor of shards.values()) {
        if (cursor.iterator === undefined) {
          const { ShardIterator } = await streams.send(new GetShardIteratorCommand({ StreamArn: streamArn, ShardId: cursor.shardId, ShardIteratorType: 'TRIM_HORIZON' }))
          cursor.iterator = ShardIterator
        }
        if (!cursor.iterator) continue // closed and read to its end
        let page
        try {
          page = await streams.send(new GetRecordsCommand({ ShardIterator: cursor.iterator, Limit: mapping.batchSize }))
        } catch (error) {
          // DynamoDB Local refuses a TRIM_HORIZON iterator taken while the shard was empty, and
          // iterators expire after 15 minutes: take a fresh one next pass.
          if (!RENEW_ITERATOR_ERRORS.has((error as Error).name)) throw error
          cursor.iterator = undefined
          continue
        }
        const records = page.Records ?? []
        if (records.length === 0) {
          cursor.iterator = page.NextShardIterator ?? ''
          if (!cursor.iterator) shardClosed = true
          continue
        }
        const failedAt = await deliver(mapping, streamArn, records)
        if (failedAt === undefined || ++cursor.failures > mapping.maximumRetryAttempts) {
          if (failedAt !== undefined) options.log.warn({ functionId: mapping.functionId, sequenceNumber: failedAt }, 'stream batch given up after its retries')
          cursor.failures = 0
          cursor.iterator = page.NextShardIterator ?? ''
          if (!cursor.iterator) shardClosed = true
          delivered += records.length
          continue
        }
        // Retry from the first failed record (the ones before it are done).
        const { ShardIterator } = await streams.send(
          new GetShardIteratorCommand({ StreamArn: streamArn, ShardId: cursor.shardId, ShardIteratorType: 'AT_SEQUENCE_NUMBER', SequenceNumber: failedAt })
        )
        cursor.iterator = ShardIterator
        delivered += 1
      }
      return delivered
    }
  }

  /** Invokes the function with one batch; the sequence number to retry from, or undefined when all succeeded. */
  async function deliver(mapping: Mapping, streamArn: string, records: StreamRecord[]): Promise<string | undefined> {
    const event = { Records: records.map((record) => lambdaRecord(record, streamArn)) }
    try {
      const response = (await options.invoke(mapping.functionId, event)) as { batchItemFailures?: Array<{ itemIdentifier?: string }> } | undefined
      const failures = (response?.batchItemFailures ?? []).map((failure) => failure.itemIdentifier).filter((id): id is string => Boolean(id))
      if (failures.length === 0) return undefined
      // As Lambda: retry from the lowest failed sequence number.
      return records.map((record) => record.dynamodb?.SequenceNumber as string).find((sequence) => failures.includes(sequence)) ?? failures[0]
    } catch (error) {
      options.log.warn({ err: error, functionId: mapping.functionId }, 'stream batch failed; retrying it')
      return records[0]?.dynamodb?.SequenceNumber
    }
  }

  const pollAll = async (): Promise<number> => {
    let delivered = 0
    for (const poll of readers) delivered += await poll()
    return delivered
  }
  /** Serialises passes: the timer's and idle()'s never overlap. */
  const pass = async (): Promise<number> => {
    while (inFlight) await inFlight.catch(() => 0)
    inFlight = pollAll()
    try {
      return await inFlight
    } finally {
      inFlight = undefined
    }
  }

  let timer: NodeJS.Timeout | undefined
  /**
   * The wait before the next timed pass: pollMs for idlePollMs after the last write or delivered
   * record (DynamoDB Local shows a write's record on the stream only after a moment), then doubling.
   */
  let delayMs = pollMs
  let activeAt = Date.now()
  /** When the pending timer fires (epoch ms); undefined while a timed pass runs. */
  let dueAt: number | undefined
  const arm = (ms: number) => {
    clearTimeout(timer)
    dueAt = Date.now() + ms
    timer = setTimeout(() => {
      dueAt = undefined
      pass()
        .then((delivered) => {
          if (delivered > 0) activeAt = Date.now()
          delayMs = Date.now() - activeAt < idlePollMs ? pollMs : Math.min(delayMs * 2, idlePollMs)
        })
        .catch((error: unknown) => options.log.warn({ err: error }, 'stream poll failed; next pass retries'))
        .finally(schedule)
    }, ms)
    timer.unref()
  }
  const schedule = () => {
    if (closed || readers.length === 0) return
    arm(delayMs)
  }
  /** A write may have added records: poll within pollMs (coalesced) and at that pace again. */
  const wake = () => {
    activeAt = Date.now()
    delayMs = pollMs
    if (!closed && readers.length > 0 && dueAt !== undefined && dueAt - Date.now() > pollMs) arm(pollMs)
  }
  options.dynamodb.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args)
      if (WRITE_COMMANDS.has(context.commandName ?? '')) wake()
      return result
    },
    { step: 'initialize', name: WAKE_MIDDLEWARE }
  )
  schedule()

  return {
    async idle() {
      for (let round = 0; round < MAX_IDLE_ROUNDS && !closed; round++) {
        if ((await pass().catch(() => 0)) === 0) return
      }
    },
    async close() {
      closed = true
      clearTimeout(timer)
      options.dynamodb.middlewareStack.remove(WAKE_MIDDLEWARE)
      await inFlight?.catch(() => undefined)
      streams.destroy()
    }
  }
}

/** The record as Lambda hands it to a function (eventSourceARN added, times in epoch seconds). */
function lambdaRecord(record: StreamRecord, streamArn: string) {
  const { dynamodb, ...rest } = record
  const created = dynamodb?.ApproximateCreationDateTime
  return {
    ...rest,
    awsRegion: LOCAL_REGION,
    eventSourceARN: streamArn,
    dynamodb: { ...dynamodb, ...(created ? { ApproximateCreationDateTime: Math.floor(new Date(created).getTime() / 1000) } : {}) }
  }
}

/** Every `Type: DynamoDB` event of every function in the template. */
function mappingsOf(template: CloudFormationTemplate, names: IntrinsicContext): Mapping[] {
  const mappings: Mapping[] = []
  for (const [functionId, fn] of resourcesOfType(template, 'AWS::Serverless::Function')) {
    const events = (fn.Properties?.Events ?? {}) as Record<string, { Type: string; Properties?: Record<string, unknown> }>
    for (const event of Object.values(events)) {
      if (event.Type !== 'DynamoDB') continue
      const stream = event.Properties?.Stream as { 'Fn::GetAtt'?: [string, string] } | undefined
      const tableId = stream?.['Fn::GetAtt']?.[0]
      if (!tableId || stream?.['Fn::GetAtt']?.[1] !== 'StreamArn') throw new Error(`Function ${functionId}: a DynamoDB event's Stream must be !GetAtt <Table>.StreamArn`)
      mappings.push({
        functionId,
        tableName: String(resolveIntrinsics({ Ref: tableId }, names)),
        batchSize: Number(event.Properties?.BatchSize ?? DEFAULT_BATCH_SIZE),
        maximumRetryAttempts: Number(event.Properties?.MaximumRetryAttempts ?? 10)
      })
    }
  }
  return mappings
}
