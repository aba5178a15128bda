// The EMF adapter writes documents CloudWatch Logs turns into metrics: checked against the embedded
// metric format specification (its structure as a JSON schema below, plus the rules a schema cannot
// say: every referenced dimension and metric is a member of the root, dimension values are strings,
// metric values numbers), with only Service and Stage as dimensions and properties as plain members.
import t, { type Test } from 'tap'
import Ajv from 'ajv'
import { EmfMetrics, METRICS_NAMESPACE, METRICS_SERVICE, stdoutSink, type EmfRecord } from '../../src/adapters/aws/emf-metrics'
import { METRIC_UNITS, NO_METRICS, type MetricName } from '../../src/ports/metrics'

// The specification's units (MetricDefinition.Unit).
const UNITS = [
  'Seconds', 'Microseconds', 'Milliseconds', 'Bytes', 'Kilobytes', 'Megabytes', 'Gigabytes', 'Terabytes', 'Bits', 'Kilobits',
  'Megabits', 'Gigabits', 'Terabits', 'Percent', 'Count', 'Bytes/Second', 'Kilobytes/Second', 'Megabytes/Second',
  'Gigabytes/Second', 'Terabytes/Second', 'Bits/Second', 'Kilobits/Second', 'Megabits/Second', 'Gigabits/Second',
  'Terabits/Second', 'Count/Second', 'None'
]

const EMF_SCHEMA = {
  type: 'object',
  required: ['_aws'],
  properties: {
    _aws: {
      type: 'object',
      additionalProperties: false,
      required: ['Timestamp', 'CloudWatchMetrics'],
      properties: {
        Timestamp: { type: 'integer', minimum: 0 },
        CloudWatchMetrics: {
          type: 'array',
          minItems: 1,
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['Namespace', 'Dimensions', 'Metrics'],
            properties: {
              Namespace: { type: 'string', minLength: 1, maxLength: 1024 },
              Dimensions: { type: 'array', items: { type: 'array', minItems: 1, maxItems: 30, items: { type: 'string', minLength: 1, maxLength: 250 } } },
              Metrics: {
                type: 'array',
                minItems: 1,
                maxItems: 100,
                items: {
                  type: 'object',
                  additionalProperties: false,
                  required: ['Name'],
                  properties: { Name: { type: 'string', minLength: 1, maxLength: 1024 }, Unit: { enum: UNITS }, StorageResolution: { enum: [1, 60] } }
                }
              }
            }
          }
        }
      }
    }
  }
}

const validate = new Ajv({ allErrors: true }).compile(EMF_SCHEMA)

function checkDocument(t: Test, document: EmfRecord): void {
  t.ok(validate(document), 'matches the specification', { errors: validate.errors })
  for (const directive of document._aws.CloudWatchMetrics) {
    for (const dimension of directive.Dimensions.flat()) t.type(document[dimension], 'string', `dimension ${dimension} is a string member of the root`)
    for (const metric of directive.Metrics) t.type(document[metric.Name], 'number', `metric ${metric.Name} is a number member of the root`)
  }
}

t.test('every metric is one EMF document: namespace, [[Service, Stage]], its unit, its value', async (t) => {
  const records: EmfRecord[] = []
  const metrics = new EmfMetrics({ stage: 'prod', sink: (record) => records.push(record), now: () => 1_700_000_000_123 })
  for (const name of Object.keys(METRIC_UNITS) as MetricName[]) metrics.count(name)
  t.equal(records.length, Object.keys(METRIC_UNITS).length)
  for (const record of records) {
    checkDocument(t, record)
    const [directive] = record._aws.CloudWatchMetrics
    t.equal(directive?.Namespace, METRICS_NAMESPACE)
    t.same(directive?.Dimensions, [['Service', 'Stage']], 'the only dimension set')
    t.equal(record.Service, METRICS_SERVICE)
    t.equal(record.Stage, 'prod')
    t.equal(record._aws.Timestamp, 1_700_000_000_123, 'epoch milliseconds')
    const metric = directive?.Metrics[0]
    t.equal(metric?.Unit, METRIC_UNITS[metric?.Name as MetricName])
    t.equal(record[metric?.Name ?? ''], 1, 'count defaults to 1')
  }
  t.equal(records.find((record) => 'OutboxOldestEventAge' in record)?._aws.CloudWatchMetrics[0]?.Metrics[0]?.Unit, 'Seconds')
})

t.test('properties (declineCode) are top-level members, never dimensions, and cannot replace one', async (t) => {
  const records: EmfRecord[] = []
  const metrics = new EmfMetrics({ stage: 'dev', sink: (record) => records.push(record) })
  metrics.count('PaymentsDeclined', 1, { declineCode: 'insufficient_funds', paymentId: 'pay_1' })
  metrics.count('OutboxBacklog', 7, { Stage: 'forged', Service: 'forged', OutboxBacklog: 99 })
  const [declined, backlog] = records as [EmfRecord, EmfRecord]
  checkDocument(t, declined)
  t.equal(declined.declineCode, 'insufficient_funds')
  t.equal(declined.paymentId, 'pay_1')
  t.notOk(JSON.stringify(declined._aws).includes('declineCode'), 'declineCode is not in the metadata (so not a dimension)')
  t.equal(backlog.Stage, 'dev')
  t.equal(backlog.Service, METRICS_SERVICE)
  t.equal(backlog.OutboxBacklog, 7, 'the value is the one counted')
})

t.test('a metric never fails the operation: a broken sink or a non-finite value is dropped', async (t) => {
  const metrics = new EmfMetrics({
    stage: 'dev',
    sink: () => {
      throw new Error('stdout closed')
    }
  })
  t.doesNotThrow(() => metrics.count('OrdersPlaced'))
  const records: EmfRecord[] = []
  const counting = new EmfMetrics({ stage: 'dev', sink: (record) => records.push(record) })
  counting.count('OrdersPlaced', Number.NaN)
  counting.count('OrdersPlaced', Number.POSITIVE_INFINITY)
  t.equal(records.length, 0)
  t.doesNotThrow(() => NO_METRICS.count('OrdersPlaced'))
})

t.test('the stdout sink writes one JSON document per line, nothing before or after it', async (t) => {
  const written: string[] = []
  const original = process.stdout.write.bind(process.stdout)
  process.stdout.write = ((chunk: string) => {
    written.push(chunk)
    return true
  }) as typeof process.stdout.write
  try {
    new EmfMetrics({ stage: 'dev', sink: stdoutSink }).count('RefundsCompleted', 2)
  } finally {
    process.stdout.write = original
  }
  t.equal(written.length, 1)
  t.match(written[0], /^\{.*\}\n$/)
  t.notOk(written[0]?.slice(0, -1).includes('\n'), 'a single line')
  const document = JSON.parse(written[0] ?? '') as EmfRecord
  checkDocument(t, document)
  t.equal(document.RefundsCompleted, 2)
})
