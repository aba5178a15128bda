// Throughput of several HTTP targets measured in the same run with autocannon: a warm-up each, then
// rounds in which every target gets its turn (the order alternating between rounds), so a machine
// that speeds up or slows down during the run affects all targets alike.
import autocannon from 'autocannon'
import { median } from './stats'

export interface ThroughputTarget {
  label: string
  url: string
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
  /** Median over rounds of each round's 99th percentile latency. */
  medianP99Ms: number
  /** Over all rounds: responses other than 2xx, connection errors and timeouts. */
  failures: number
}

export async function compareThroughput(targets: ThroughputTarget[], settings: ThroughputSettings): Promise<ThroughputResult[]> {
  const load = (url: string, duration: number) =>
    autocannon({ url, connections: settings.connections, pipelining: settings.pipelining, duration })

  for (const target of targets) await load(target.url, settings.warmupSeconds)

  const samples = new Map(targets.map((target) => [target.label, [] as autocannon.Result[]]))
  for (let round = 0; round < settings.rounds; round++) {
    const order = round % 2 === 0 ? targets : [...targets].reverse()
    for (const target of order) samples.get(target.label)?.push(await load(target.url, settings.roundSeconds))
  }

  return targets.map(({ label }) => {
    const results = samples.get(label) ?? []
    return {
      label,
      rounds: results.map((result) => result.requests.average),
      medianRequestsPerSecond: median(results.map((result) => result.requests.average)),
      medianP99Ms: median(results.map((result) => result.latency.p99)),
      failures: results.reduce((sum, result) => sum + result.non2xx + result.errors + result.timeouts, 0)
    }
  })
}
