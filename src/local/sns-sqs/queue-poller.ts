// One SQS event source mapping, in process: polls a local queue and invokes the mapped worker with a
// real SQS event, the way Lambda's poller does. Batches hold up to BatchSize messages; several batches
// may run at once (up to ScalingConfig.MaximumConcurrency, else five, Lambda's initial pollers). A
// batch whose invocation succeeds is deleted; one that throws comes back whole; with
// ReportBatchItemFailures only the reported records come back, and a malformed report counts as a
// failure of the whole batch (Lambda's documented rules). A failed message becomes visible again when
// its visibility timeout ends, or after `redeliveryDelayMs` when given. Worker errors are logged,
// never thrown.
import { setImmediate } from 'node:timers'
import type { SQSRecord } from 'aws-lambda'
import type { Queue } from './queue'
import type { EventSourceDefinition } from './wiring'
import type { Log } from '../log'

export type InvokeFunction = (functionLogicalId: string, event: unknown) => Promise<unknown>

export interface QueuePollerOptions {
  invoke: InvokeFunction
  log: Log
  redeliveryDelayMs?: number
  /** Called whenever a batch finished or the queue was polled (the bus checks for idleness). */
  onSettled: () => void
}

const DEFAULT_CONCURRENCY = 5

export class QueuePoller {
  private inFlight = 0
  private pollScheduled = false
  private timer?: NodeJS.Timeout
  private closed = false
  private readonly concurrency: number

  constructor(
    readonly queue: Queue,
    private readonly source: EventSourceDefinition,
    private readonly options: QueuePollerOptions
  ) {
    this.concurrency = source.maximumConcurrency ?? DEFAULT_CONCURRENCY
    queue.onAvailable(() => this.wake())
  }

  /** True while any batch of this mapping is being processed. */
  get busy(): boolean {
    return this.inFlight > 0
  }

  /** Polls soon (coalesced), outside the caller's stack: publishing never runs a worker synchronously. */
  wake(): void {
    if (this.closed || this.pollScheduled) return
    this.pollScheduled = true
    setImmediate(() => {
      this.pollScheduled = false
      this.poll()
    })
  }

  close(): void {
    this.closed = true
    if (this.timer) clearTimeout(this.timer)
  }

  private poll(): void {
    if (this.closed) return
    while (this.inFlight < this.concurrency) {
      const records = this.queue.receive(this.source.batchSize)
      if (records.length === 0) break
      this.inFlight += 1
      void this.deliver(records)
    }
    this.armTimer()
    this.options.onSettled()
  }

  /** Wakes when the next message (failed, delayed, or in flight past its timeout) becomes visible. */
  private armTimer(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
    const next = this.queue.nextVisibleAt()
    if (next === undefined || this.inFlight >= this.concurrency) return
    this.timer = setTimeout(() => {
      this.timer = undefined
      this.poll()
    }, Math.max(0, next - Date.now()))
  }

  private async deliver(records: SQSRecord[]): Promise<void> {
    const { functionLogicalId, id } = this.source
    let failed: Set<string> | 'all'
    try {
      // Lambda passes JSON in and out: the worker gets its own copy, and its result is what JSON keeps.
      const result: unknown = await this.options.invoke(functionLogicalId, { Records: records })
      const response = result === undefined ? null : (JSON.parse(JSON.stringify(result)) as unknown)
      const outcome = this.source.reportBatchItemFailures ? failuresReported(response, records) : { failed: new Set<string>() }
      if ('invalid' in outcome) this.options.log.warn({ eventSource: id, functionLogicalId, response }, `invalid batch response (${outcome.invalid}); the whole batch will be retried`)
      failed = 'invalid' in outcome ? 'all' : outcome.failed
    } catch (error) {
      this.options.log.error(
        { err: error, eventSource: id, functionLogicalId, messageIds: records.map((record) => record.messageId) },
        'worker failed; the whole batch will be retried'
      )
      failed = 'all'
    }
    if (this.closed) return
    for (const record of records) {
      if (failed === 'all' || failed.has(record.messageId)) {
        if (this.options.redeliveryDelayMs !== undefined) this.queue.changeVisibility(record.receiptHandle, this.options.redeliveryDelayMs)
      } else {
        this.queue.delete(record.receiptHandle)
      }
    }
    this.inFlight -= 1
    this.wake()
    this.options.onSettled()
  }
}

/**
 * Lambda's reading of a ReportBatchItemFailures response: no response, no or an empty
 * `batchItemFailures` → all succeeded; identifiers of the batch → those failed; anything else
 * (not an object, empty or unknown identifiers) → the whole batch failed.
 */
export function failuresReported(response: unknown, records: SQSRecord[]): { failed: Set<string> } | { invalid: string } {
  if (response === null) return { failed: new Set() }
  if (typeof response !== 'object' || Array.isArray(response)) return { invalid: 'not an object' }
  const items = (response as { batchItemFailures?: unknown }).batchItemFailures
  if (items === undefined || items === null) return { failed: new Set() }
  if (!Array.isArray(items)) return { invalid: 'batchItemFailures is not a list' }
  const ids = new Set(records.map((record) => record.messageId))
  const failed = new Set<string>()
  for (const item of items) {
    const identifier = (item as { itemIdentifier?: unknown } | null)?.itemIdentifier
    if (typeof identifier !== 'string' || !ids.has(identifier)) return { invalid: `itemIdentifier ${JSON.stringify(identifier)} is not a message of the batch` }
    failed.add(identifier)
  }
  return { failed }
}
