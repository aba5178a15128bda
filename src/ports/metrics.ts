// Port: business metrics (DESIGN.md section 9). Services count what happened to the business
// (an order placed, a payment declined); the adapter decides how it is recorded — on AWS as
// CloudWatch embedded metric format lines in the function's log (adapters/aws/emf-metrics.ts), so a
// metric costs no API call and no latency. Alarms and the dashboard in template.yaml read them.

/** Every metric the services emit. A new name needs a unit below, and a widget or alarm if it matters. */
export type MetricName =
  | 'OrdersPlaced'
  | 'PaymentsSucceeded'
  | 'PaymentsDeclined'
  | 'RefundsCompleted'
  | 'WebhookDuplicates'
  | 'EventsDeferred'
  | 'OutboxBacklog'
  | 'OutboxOldestEventAge'
  | 'RefundsPending'

export type MetricUnit = 'Count' | 'Seconds'

/**
 * The unit of each metric. Most are counts of things that happened; the gauges (OutboxBacklog,
 * OutboxOldestEventAge, RefundsPending) are sampled by a scheduled worker on every run, zero included,
 * so their alarms see a continuous series.
 */
export const METRIC_UNITS: Readonly<Record<MetricName, MetricUnit>> = {
  OrdersPlaced: 'Count',
  PaymentsSucceeded: 'Count',
  PaymentsDeclined: 'Count',
  RefundsCompleted: 'Count',
  WebhookDuplicates: 'Count',
  EventsDeferred: 'Count',
  OutboxBacklog: 'Count',
  OutboxOldestEventAge: 'Seconds',
  RefundsPending: 'Count'
}

/** Details that help a human searching the logs (e.g. declineCode); never a metric dimension. */
export type MetricProperties = Record<string, string | number>

export interface Metrics {
  /** Records `value` (default 1) of `name`, in the unit METRIC_UNITS gives it. Never throws. */
  count(name: MetricName, value?: number, properties?: MetricProperties): void
  /** For adapters that buffer; the EMF adapter writes each record at once and has none. */
  flush?(): void
}

/** Metrics recorded nowhere: the default of every service, so tests and local tools need not pass one. */
export const NO_METRICS: Metrics = { count: () => undefined }
