// Throughput of several HTTP targets measured in the same run with autocannon: a warm-up each, then
// rounds in which every target gets its turn (the order alternating between rounds), so a machine
// that speeds up or slows down during the run affects all targets alike.
import { readFile } from 'node:fs/promises'
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
  /** The server's process: its CPU time per request is reported too (Linux /proc only). */
  pid?: number
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
  /**
   * Median over rounds of the server process's CPU time (user + system) per request, in µs; given
   * a pid on Linux. Steadier than req/s on a shared VM: it leaves out time the server waits.
   */
  medianCpuMicrosPerRequest?: number
}

export async function compareThroughput(targets: ThroughputTarget[], settings: ThroughputSettings): Promise<ThroughputResult[]> {
  const load = ({ label: _label, pid: _pid, ...request }: ThroughputTarget, duration: number) =>
    autocannon({ ...request, connections: settings.connections, pipelining: settings.pipelining, duration })

  for (const target of targets) await load(target, settings.warmupSeconds)

  const samples = new Map(targets.map((target) => [target.label, [] as autocannon.Result[]]))
  const cpuPerRequest = new Map(targets.map((target) => [target.label, [] as number[]]))
  for (let round = 0; round < settings.rounds; round++) {
    const order = round % 2 === 0 ? targets : [...targets].reverse()
    for (const target of order) {
      const before = await cpuMicros(target.pid)
      const result = await load(target, settings.roundSeconds)
      const after = await cpuMicros(target.pid)
      samples.get(target.label)?.push(result)
      if (before !== undefined && after !== undefined && result.requests.total > 0) cpuPerRequest.get(target.label)?.push((after - before) / result.requests.total)
    }
  }

  return targets.map(({ label }) => {
    const results = samples.get(label) ?? []
    const cpu = cpuPerRequest.get(label) ?? []
    return {
      label,
      rounds: results.map((result) => result.requests.average),
      medianRequestsPerSecond: median(results.map((result) => result.requests.average)),
      medianP50Ms: median(results.map((result) => result.latency.p50)),
      medianP99Ms: median(results.map((result) => result.latency.p99)),
      failures: results.reduce((sum, result) => sum + result.non2xx + result.errors + result.timeouts, 0),
      medianCpuMicrosPerRequest: cpu.length ? median(cpu) : undefined
    }
  })
}

/** Linux's clock ticks per second for /proc times (USER_HZ); 100 on every current architecture's ABI. */
const CLOCK_TICKS_PER_SECOND = 100

/** A process's CPU time so far (user + system, its threads included) in µs, from /proc; undefined elsewhere. */
async function cpuMicros(pid: number | undefined): Promise<number | undefined> {
  if (pid === undefined) return undefined
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined)
  if (stat === undefined) return undefined
  // Fields after the command name, which is in parentheses and may hold spaces: utime and stime are
  // the 14th and 15th fields of the line, the 12th and 13th after the name.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const ticks = Number(fields[11]) + Number(fields[12])
  return Number.isFinite(ticks) ? (ticks * 1_000_000) / CLOCK_TICKS_PER_SECOND : undefined
}
