// The cold-start cost of the business metrics (issue 11: at most +30 ms): each function that emits a
// metric on its first invocation (the outbox relay's and the recovery sweeper's scheduled runs sample
// their gauges) and the API Lambda (which builds the metrics adapter at cold start), bundled twice
// with exactly the Lambda build options: as built (the EMF adapter, src/adapters/aws/emf-metrics.ts)
// and with that module replaced by a no-op. Cold starts interleaved, against the platform
// benchmark's loopback AWS stand-in. Run by `npm run bench -- metrics`.
import { join } from 'node:path'
import { rm } from 'node:fs/promises'
import * as esbuild from 'esbuild'
import { lambdaBundleOptions } from '../scripts/build.mjs'
import { projectRootFrom } from '../src/infra/project-root'
import type { Benchmark, BenchmarkReport } from './lib/benchmark'
import { measureColdStarts, type ColdStartSeries, type ColdStartSubject } from './lib/cold-start'
import { table } from './lib/markdown'
import { cpuPinning } from './lib/processes'
import { median } from './lib/stats'
import { functionIdFor, lambdaEnvironment, startColdStartStandIn } from './platform'

const root = projectRootFrom(import.meta.url)
const outdir = join(root, '.cache', 'bench', 'metrics')
/** Issue 11's budget: metrics add at most this much to any function's cold start (median to response). */
const BUDGET_MS = 30
const DEFAULT_RUNS = 10
const COLD_START_TIMEOUT_MS = 60_000

/** The adapter with nothing behind it: what the bundle would be without metrics. */
const NO_OP_ADAPTER = [
  "export const METRICS_NAMESPACE = 'ServerlessCommerce'",
  "export const METRICS_SERVICE = 'commerce'",
  "export const METRIC_DIMENSIONS = ['Service', 'Stage']",
  'export function stdoutSink() {}',
  'export function emfRecord() { return {} }',
  'export class EmfMetrics { count() {} }'
].join('\n')

function noMetricsPlugin(): esbuild.Plugin {
  return {
    name: 'no-metrics',
    setup(build) {
      build.onLoad({ filter: /[\\/]src[\\/]adapters[\\/]aws[\\/]emf-metrics\.ts$/ }, () => ({ contents: NO_OP_ADAPTER, loader: 'js' }))
    }
  }
}

interface Subject {
  name: string
  handler: string
  entry: string
  event: string
  /** EMF lines its first invocation writes, as built (the no-op variant writes none). */
  records: number
}

const SUBJECTS: Subject[] = [
  { name: 'lambda', handler: 'lambda.handler', entry: join(root, 'src', 'lambda.ts'), event: 'apigw-rest-get-health.json', records: 0 },
  { name: 'outbox-relay', handler: 'workers/outbox-relay.handler', entry: join(root, 'src', 'workers', 'outbox-relay.ts'), event: 'eventbridge-scheduled.json', records: 2 },
  {
    name: 'recovery-sweeper',
    handler: 'workers/recovery-sweeper.handler',
    entry: join(root, 'src', 'workers', 'recovery-sweeper.ts'),
    event: 'eventbridge-scheduled.json',
    records: 1
  }
]

async function bundle(variant: 'emf' | 'none'): Promise<void> {
  // scripts/build.mjs's options (declared loosely in its .d.mts): its plugins, plus ours for "none".
  const options = lambdaBundleOptions as esbuild.BuildOptions
  const plugins = variant === 'none' ? [...(options.plugins ?? []), noMetricsPlugin()] : options.plugins
  await esbuild.build({
    ...options,
    entryPoints: Object.fromEntries(SUBJECTS.map((subject) => [subject.name, subject.entry])),
    outdir: join(outdir, variant),
    plugins
  })
}

/** EMF documents in a process's stdout (one JSON line each, beside the driver's report). */
function emfLines(stdout: string | undefined): number {
  return (stdout ?? '').split('\n').filter((line) => line.includes('"_aws":')).length
}

export const metrics: Benchmark = {
  name: 'metrics',
  title: 'Metrics: cold-start cost of the EMF business metrics (budget of issue 11)',
  async run({ quick, runs: requestedRuns }): Promise<BenchmarkReport> {
    const runs = requestedRuns ?? (quick ? 3 : DEFAULT_RUNS)
    await rm(outdir, { recursive: true, force: true })
    await bundle('emf')
    await bundle('none')
    const standIn = await startColdStartStandIn()
    const pinning = cpuPinning()
    try {
      const driver = join(root, 'bench', 'lambda-cold-start.mjs')
      const subjects: ColdStartSubject[] = SUBJECTS.flatMap((subject) => {
        const functionId = functionIdFor(subject.handler)
        const env = lambdaEnvironment(functionId, standIn.url)
        return (['emf', 'none'] as const).map((variant) => ({
          label: `${subject.name}:${variant}`,
          args: [driver, join(outdir, variant, `${subject.name}.mjs`), join(root, 'bench', 'events', subject.event), functionId],
          env,
          reports: true
        }))
      })
      const series = await measureColdStarts(subjects, {
        runs,
        cpu: pinning?.serverCpu,
        timeoutMs: COLD_START_TIMEOUT_MS,
        check(subject, sample) {
          standIn.takeCalls()
          const report = sample.report
          if (report?.errorType) throw new Error(`${subject.label}: threw ${report.errorType}: ${report.errorMessage}`)
          const [name, variant] = subject.label.split(':')
          const expected = variant === 'emf' ? (SUBJECTS.find((entry) => entry.name === name)?.records ?? 0) : 0
          const written = emfLines(sample.stdout)
          if (written !== expected) throw new Error(`${subject.label}: wrote ${written} EMF records, expected ${expected}`)
        }
      })
      const byLabel = (label: string) => series.find((entry) => entry.subject.label === label) as ColdStartSeries
      const ms = (value: number) => value.toFixed(1)
      const rows = SUBJECTS.map((subject) => {
        const emf = byLabel(`${subject.name}:emf`)
        const none = byLabel(`${subject.name}:none`)
        // Paired by round (the two ran one after the other): the machine's drift between rounds cancels.
        const differences = emf.samples.map((sample, index) => sample.responseMs - (none.samples[index]?.responseMs ?? sample.responseMs))
        return { subject, emf, none, costMs: median(differences) }
      })
      const worst = Math.max(...rows.map((row) => row.costMs))
      const met = worst <= BUDGET_MS
      const markdown = [
        '### Budget',
        '',
        table(['budget', 'measured', 'limit', 'status'], [['cold start with EMF metrics − without (median of paired differences), worst function', `${ms(worst)} ms`, `≤ ${BUDGET_MS} ms`, met ? 'met' : '**EXCEEDED**']]),
        '',
        '### Cold starts with and without metrics',
        '',
        `${runs} fresh processes per row, interleaved round by round` +
          (pinning ? `, every one pinned with taskset to CPU ${pinning.serverCpu}` : ', not pinned (one CPU, or no taskset)') +
          '. Each is `node bench/lambda-cold-start.mjs <bundle> <event>`, timed from spawn to the response, in aws mode against the loopback stand-in of bench/lib/aws-stand-in.ts. ' +
          'Both bundles of a function are built here with scripts/build.mjs\'s Lambda options; "none" replaces src/adapters/aws/emf-metrics.ts with a no-op class. ' +
          'The scheduled workers write their gauges (EMF lines on stdout) in the first invocation; the API builds the adapter at cold start and emits nothing for GET /health.',
        '',
        table(
          ['function (trigger)', 'EMF records', 'median with metrics (ms)', 'median without (ms)', 'cost: median of paired differences (ms)'],
          rows.map((row) => [`${row.subject.name} (${row.subject.event})`, String(row.subject.records), ms(row.emf.medianResponseMs), ms(row.none.medianResponseMs), `**${ms(row.costMs)}**`])
        ),
        '',
        `**Worst cold-start cost of metrics: ${ms(worst)} ms** (budget ≤ ${BUDGET_MS} ms: ${met ? 'met' : 'EXCEEDED'}). The two bundles of a function differ only by that one module, so a difference either way is mostly the machine's noise (see the load line above); a real cost would show as a consistent positive difference on every function that writes records.`
      ].join('\n')
      return { markdown, exceeded: met ? [] : [`metrics add ${ms(worst)} ms to a cold start (budget ${BUDGET_MS} ms)`] }
    } finally {
      pinning?.release()
      await standIn.stop()
    }
  }
}
