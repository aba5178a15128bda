// The auth benchmark: POST /users/login throughput of `node dist/server.js` against bcryptjs's own
// compare throughput in a bare process, measured in the same run at the production cost, and the
// latency of GET /health while logins saturate the server (is the event loop still responsive?).
// Needs a fresh build (`npm run bench` builds first).
import { join } from 'node:path'
import autocannon from 'autocannon'
import { ConfigSchema } from '../src/config'
import { projectRootFrom } from '../src/infra/project-root'
import { ApiClient, BENCH_PASSWORD, uniqueEmail } from './lib/api-client'
import type { Benchmark } from './lib/benchmark'
import { startEmbeddedServer } from './lib/embedded-server'
import { table } from './lib/markdown'
import { timedNodeRun } from './lib/processes'
import { closedLoopRate, median } from './lib/stats'

const root = projectRootFrom(import.meta.url)
const COMPARE_LOOP = join(root, 'bench', 'lib', 'bcrypt-compare-loop.mjs')
/** The production cost: the config default, which the server gets too. */
const BCRYPT_COST = ConfigSchema.properties.BCRYPT_COST.default as number
const RATIO_GOAL = 0.9
const HEALTH_P99_GOAL_MS = 50
/** The health probe: a low, fixed rate, so it measures the server's responsiveness rather than loading it. */
const PROBE = { connections: 10, ratePerConnection: 10 }
/** Each login waits its turn behind the other connections' bcrypt work: seconds, not milliseconds. */
const LOGIN_TIMEOUT_SECONDS = 120

interface AuthSettings {
  connections: number
  warmupSeconds: number
  roundSeconds: number
  rounds: number
  healthAloneSeconds: number
}

interface ClosedLoopRun {
  /** Completion times of the successful calls, in ms since the run started. */
  completionsMs: number[]
  failures: number
}

export const auth: Benchmark = {
  name: 'auth',
  title: 'Auth: login throughput against raw bcrypt, GET /health latency under login load',
  async run({ quick }) {
    const settings: AuthSettings = quick
      ? { connections: 8, warmupSeconds: 3, roundSeconds: 20, rounds: 1, healthAloneSeconds: 3 }
      : { connections: 8, warmupSeconds: 10, roundSeconds: 30, rounds: 5, healthAloneSeconds: 20 }
    // Successful logins count no failures; the limits are raised anyway so nothing but bcrypt decides.
    const server = await startEmbeddedServer({
      BCRYPT_COST: String(BCRYPT_COST),
      LOGIN_MAX_FAILURES_PER_ACCOUNT: '1000000',
      LOGIN_MAX_FAILURES_PER_ADDRESS: '1000000'
    })
    try {
      const api = new ApiClient(server.url)
      const email = uniqueEmail('bench-login')
      await api.register(email)
      await api.login(email)
      const body = JSON.stringify({ email, password: BENCH_PASSWORD })

      const healthAlone = await probeHealth(server.url, settings.healthAloneSeconds)
      await logins(server.url, body, settings.connections, settings.warmupSeconds)
      await rawCompares(settings.connections, settings.warmupSeconds)

      const login: ClosedLoopRun[] = []
      const raw: ClosedLoopRun[] = []
      const healthUnderLoad: autocannon.Result[] = []
      const measureLogins = async () => {
        const [run, health] = await Promise.all([
          logins(server.url, body, settings.connections, settings.roundSeconds),
          probeHealth(server.url, settings.roundSeconds)
        ])
        login.push(run)
        healthUnderLoad.push(health)
      }
      const measureRaw = async () => {
        raw.push(await rawCompares(settings.connections, settings.roundSeconds))
      }
      // Alternating which goes first, so a machine that speeds up or slows down affects both alike.
      for (let round = 0; round < settings.rounds; round++) {
        for (const measure of round % 2 === 0 ? [measureLogins, measureRaw] : [measureRaw, measureLogins]) await measure()
      }
      return report(settings, login, raw, healthAlone, healthUnderLoad)
    } finally {
      await server.stop()
    }
  }
}

/** POST /users/login with the right password from `connections` clients for `seconds`. */
async function logins(baseUrl: string, body: string, connections: number, seconds: number): Promise<ClosedLoopRun> {
  const completionsMs: number[] = []
  const started = performance.now()
  const result = await autocannon({
    url: baseUrl,
    connections,
    duration: seconds,
    timeout: LOGIN_TIMEOUT_SECONDS,
    requests: [
      {
        method: 'POST',
        path: '/users/login',
        headers: { 'content-type': 'application/json' },
        body,
        onResponse: (status) => {
          if (status === 200) completionsMs.push(performance.now() - started)
        }
      }
    ]
  })
  return { completionsMs, failures: result.non2xx + result.errors + result.timeouts }
}

/** bcrypt.compare in a loop by `concurrency` callers for `seconds`, in a process of its own. */
async function rawCompares(concurrency: number, seconds: number): Promise<ClosedLoopRun> {
  const { stdout } = await timedNodeRun([COMPARE_LOOP, String(BCRYPT_COST), String(concurrency), String(seconds), BENCH_PASSWORD], {
    PATH: process.env.PATH
  })
  const { completionsMs } = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as { completionsMs: number[] }
  return { completionsMs, failures: 0 }
}

/**
 * GET /health at PROBE's fixed rate. Without autocannon's coordinated-omission correction: autocannon 9
 * passes an expected interval of `Math.ceil(1 / rate)` = 1 ms (not 1000 / rate ms) and so adds a
 * sample for every millisecond of each slow response, which swamps the percentiles.
 */
function probeHealth(baseUrl: string, seconds: number): Promise<autocannon.Result> {
  return autocannon({
    url: `${baseUrl}/health`,
    connections: PROBE.connections,
    connectionRate: PROBE.ratePerConnection,
    ignoreCoordinatedOmission: true,
    duration: seconds
  })
}

function report(settings: AuthSettings, login: ClosedLoopRun[], raw: ClosedLoopRun[], healthAlone: autocannon.Result, underLoad: autocannon.Result[]): string {
  const rate = (run: ClosedLoopRun) => {
    if (!run.completionsMs.length) {
      throw new Error(`no call succeeded within a ${settings.roundSeconds} s round (${run.failures} non-2xx / errors / timeouts)`)
    }
    return closedLoopRate(run.completionsMs)
  }
  const loginRate = median(login.map(rate))
  const rawRate = median(raw.map(rate))
  // Each round's login and raw runs are back to back: their ratio holds up when the shared machine
  // speeds up or slows down between rounds, which a ratio of the two medians does not.
  const roundRatios = login.map((run, index) => rate(run) / rate(raw[index] as ClosedLoopRun))
  const ratio = median(roundRatios)
  const throughputRow = (label: string, runs: ClosedLoopRun[]) => [
    label,
    median(runs.map(rate)).toFixed(2),
    runs.map((run) => rate(run).toFixed(2)).join(', '),
    runs.reduce((sum, run) => sum + run.completionsMs.length, 0),
    runs.reduce((sum, run) => sum + run.failures, 0)
  ]

  const p99UnderLoad = median(underLoad.map((result) => result.latency.p99))
  const healthFailures = (results: autocannon.Result[]) => results.reduce((sum, result) => sum + result.non2xx + result.errors + result.timeouts, 0)
  const healthRow = (label: string, results: autocannon.Result[]) => [
    label,
    median(results.map((result) => result.latency.p50)),
    median(results.map((result) => result.latency.p99)),
    results.map((result) => result.latency.p99).join(', '),
    Math.max(...results.map((result) => result.latency.max)),
    results.reduce((sum, result) => sum + result.requests.total, 0),
    healthFailures(results)
  ]

  const rounds = `${settings.rounds} round${settings.rounds === 1 ? '' : 's'} of ${settings.roundSeconds} s`
  return [
    '### Login throughput against raw bcrypt',
    '',
    `Our server (\`node dist/server.js\`, embedded runtime, LOG_LEVEL=warn, BCRYPT_COST=${BCRYPT_COST} — the default and production cost — ` +
      'login failure limits raised out of the way) with one registered user: autocannon sends POST /users/login with the right password ' +
      `from ${settings.connections} connections. The baseline is \`node bench/lib/bcrypt-compare-loop.mjs\`: bcryptjs's async \`compare\` of the ` +
      `same password against a cost-${BCRYPT_COST} hash, run back to back by ${settings.connections} concurrent loops in a process of its own. ` +
      `${settings.warmupSeconds} s warm-up each, then ${rounds} each, alternating which goes first; the server is idle while the baseline runs.`,
    '',
    'Rate = completions in the round ÷ time of the last completion (from the round start), not ÷ the round length: ' +
      `${settings.connections} clients sharing one CPU finish close together, and a round ending just before or after such a group ` +
      'would otherwise swing the rate by up to one group.',
    '',
    table(['process', 'median per second', 'per round', 'completed (all rounds)', 'non-2xx / errors / timeouts'], [
      throughputRow('logins: POST /users/login on our server', login),
      throughputRow('raw: `bcrypt.compare` in a bare process', raw)
    ]),
    '',
    `**Ratio login/raw: ${ratio.toFixed(2)}**, the median of the rounds' ratios (${roundRatios.map((value) => value.toFixed(2)).join(', ')}; ` +
      `ratio of the medians ${(loginRate / rawRate).toFixed(2)}) (goal ≥ ${RATIO_GOAL}: ${ratio >= RATIO_GOAL ? 'met' : 'NOT met'}).`,
    '',
    '### GET /health latency while logins run at full load',
    '',
    `A second autocannon instance sends GET /health from ${PROBE.connections} connections at ${PROBE.ratePerConnection} requests/s each ` +
      `(${PROBE.connections * PROBE.ratePerConnection} req/s in all) during every login round above, and once for ${settings.healthAloneSeconds} s ` +
      "before any login, on the same server, for comparison. Latencies in ms are the response times measured, without autocannon's " +
      'coordinated-omission correction (autocannon 9 assumes a 1 ms interval there and adds a sample per millisecond of every slow response); ' +
      'p50 and p99 are medians over the runs.',
    '',
    table(['GET /health', 'p50 (ms)', 'p99 (ms)', 'p99 per run (ms)', 'max (ms)', 'requests', 'non-2xx / errors / timeouts'], [
      healthRow('alone', [healthAlone]),
      healthRow(`during logins (${settings.rounds} run${settings.rounds === 1 ? '' : 's'})`, underLoad)
    ]),
    '',
    `**p99 of GET /health under login load: ${p99UnderLoad} ms** (goal < ${HEALTH_P99_GOAL_MS} ms: ${p99UnderLoad < HEALTH_P99_GOAL_MS ? 'met' : 'NOT met'}).`,
    '',
    'Caveats: the baseline is bcryptjs on one thread, as the goal defines it. How the server runs bcrypt decides both results: ' +
      'worker threads can use more than one CPU (so the ratio can exceed 1) and leave the event loop free, while bcryptjs on the event ' +
      'loop computes in slices of up to 100 ms (its `MAX_EXECUTION_TIME`) queued with setImmediate, and Node runs every immediate queued ' +
      `at the start of a loop turn before it polls for I/O again: with ${settings.connections} logins in flight it would read new requests ` +
      `only about every ${settings.connections} × 100 ms. A probe connection sends its next request only after the previous response, so ` +
      'requests a fixed-rate client would have sent during a stall are not measured: the percentiles understate what a health checker ' +
      'would see. The server, DynamoDB Local and the load generators share the machine; a login also reads and writes DynamoDB Local ' +
      '(failure counters, the user, the session), work the baseline does not do.'
  ].join('\n')
}
