// Business metrics as CloudWatch embedded metric format (EMF): one JSON line per metric on stdout,
// which Lambda sends to the function's log group, where CloudWatch Logs extracts the metric. No
// client, no API call, no buffer to flush at the end of an invocation (so a crash loses nothing
// already counted), nothing at cold start but this module.
//
// Written by hand rather than with Powertools Metrics: the whole format we need is the record built
// below (about 40 lines, checked against the specification by test/adapters/emf-metrics.test.ts), where
// Powertools buffers metrics per invocation and attaches its metadata to every metric of a flush, so
// a per-event property such as declineCode would need a single-metric instance per call anyway, plus
// a flush wired into every handler. Specification:
// https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
import { METRIC_UNITS, type MetricName, type MetricProperties, type Metrics, type MetricUnit } from '../../ports/metrics'

/** The CloudWatch namespace of every business metric (template.yaml's alarms and dashboard use it). */
export const METRICS_NAMESPACE = 'ServerlessCommerce'
/** The value of the Service dimension: the application, the same for every function of a stack. */
export const METRICS_SERVICE = 'commerce'
/** The only dimension set: per application and stage. Anything else (declineCode, ids) is a property. */
export const METRIC_DIMENSIONS = ['Service', 'Stage'] as const

export interface EmfRecord {
  _aws: {
    /** Epoch milliseconds. */
    Timestamp: number
    CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][]; Metrics: Array<{ Name: string; Unit: MetricUnit }> }>
  }
  Service: string
  Stage: string
  [member: string]: unknown
}

export interface EmfOptions {
  stage: string
  service?: string
  namespace?: string
  /** Where records go; default: one JSON line each on stdout (synchronous for Lambda's pipe). */
  sink?: (record: EmfRecord) => void
  now?: () => number
}

export function stdoutSink(record: EmfRecord): void {
  process.stdout.write(`${JSON.stringify(record)}\n`)
}

/** One EMF document for one value of `name`. Properties become top-level members, never dimensions. */
export function emfRecord(name: MetricName, value: number, properties: MetricProperties, context: { namespace: string; service: string; stage: string; timestamp: number }): EmfRecord {
  return {
    // First, so a property can never take the place of a dimension or of the metric's value.
    ...properties,
    _aws: {
      Timestamp: context.timestamp,
      CloudWatchMetrics: [{ Namespace: context.namespace, Dimensions: [[...METRIC_DIMENSIONS]], Metrics: [{ Name: name, Unit: METRIC_UNITS[name] }] }]
    },
    Service: context.service,
    Stage: context.stage,
    [name]: value
  }
}

export class EmfMetrics implements Metrics {
  private readonly sink: (record: EmfRecord) => void
  private readonly now: () => number
  private readonly context: { namespace: string; service: string; stage: string }

  constructor(options: EmfOptions) {
    this.sink = options.sink ?? stdoutSink
    this.now = options.now ?? Date.now
    this.context = { namespace: options.namespace ?? METRICS_NAMESPACE, service: options.service ?? METRICS_SERVICE, stage: options.stage }
  }

  count(name: MetricName, value = 1, properties: MetricProperties = {}): void {
    // A metric is never worth failing the business operation that counted it.
    if (!Number.isFinite(value)) return
    try {
      this.sink(emfRecord(name, value, properties, { ...this.context, timestamp: this.now() }))
    } catch {
      // The sink (stdout) failed: the operation stands; the metric is lost.
    }
  }
}
