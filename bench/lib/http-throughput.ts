// Throughput of several HTTP targets measured in the same run with autocannon: a warm-up each, then
// rounds in which every target gets its turn (the order alternating between rounds), so a machine
// that speeds up or slows down during the run affects all targets alike.
import autocannon from 'autocannon'
import { median } from './stats'

/** The fields besides `label` go to autocannon as they are: leave out what is not set (autocannon
 * spreads its options over its defaults, so `method: undefined` would replace GET). */
export interface ThroughputTarget {
  label: string
  url: string
  method?: 'GET' | 'POST'
  headers?: Record<string, string>
  body?: string
  /** Requests each connection cycles through instead of one (e.g. orders of different products). */
  requests?: autocannon.Request[]
}

export interface ThroughputSettings {
  connections: number
  pipelining: number
  warmupSeconds: number
  roundSeconds: number
  rounds: number
}

export interface ThroughputResult {
  label: string
  /** Average req/s of each round, in round order. */
  rounds: number[]
  medianRequestsPerSecond: number
  /** Median over rounds of each round's 50th and 99th percentile latency. */
  medianP50Ms: number
  medianP99Ms: number
  /** Over all rounds: responses other than 2xx, connection errors and timeouts. */
  failures: number
}

export async function compareThroughput(targets: ThroughputTarget[], settings: ThroughputSettings): Promise<ThroughputResult[]> {
  const load = ({ label: _label, ...request }: ThroughputTarget, duration: number) =>
    autocannon({ ...request, connections: settings.connections, pipelining: settings.pipelining, duration })

  for (const target of targets) await load(target, settings.warmupSeconds)

  const samples = new Map(targets.map((target) => [target.label, [] as autocannon.Result[]]))
  for (let round = 0; round < settings.rounds; round++) {
    const order = round % 2 === 0 ? targets : [...targets].reverse()
    for (const target of order) samples.get(target.label)?.push(await load(target, settings.roundSeconds))
  }

  return targets.map(({ label }) => {
    const results = samples.get(label) ?? []
    return {
      label,
      rounds: results.map((result) => result.requests.average),
      medianRequestsPerSecond: median(results.map((result) => result.requests.average)),
      medianP50Ms: median(results.map((result) => result.latency.p50)),
      medianP99Ms: median(results.map((result) => result.latency.p99)),
      failures: results.reduce((sum, result) => sum + result.non2xx + result.errors + result.timeouts, 0)
    }
  })
}
