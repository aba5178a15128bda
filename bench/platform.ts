// The platform benchmark (issue 10's performance bars): Lambda cold starts of dist/lambda.mjs and of
// every dist/workers/*.mjs against a minimal baseline Lambda (bench/baseline/) and bare `node -e ""`,
// interleaved in one run; the bundles' sizes; and GET /health throughput of our server against a
// bare Fastify hello-world. Each has a budget; the report starts with them, and any exceeded makes
// `npm run bench -- platform` exit non-zero (bench/run.ts). Needs a fresh build (`npm run bench`
// builds first); the baseline is built here.
import { existsSync } from 'node:fs'
import { readdir, readFile } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { bundleSizes, CHUNKS_DIR, distDir, lambdaFootprints } from '../scripts/build.mjs'
import { ensureDynamoDbLocal } from '../scripts/dynamodb-local.mjs'
import { apiFunctionId, placeholderFunctionEnvironment, placeholderSecretParameters } from '../src/local/template/placeholder-environment'
import { projectRootFrom } from '../src/infra/project-root'
import { loadTemplate, type CloudFormationTemplate } from '../src/local/template/template'
import { buildBaseline } from './baseline/build.mjs'
import { startAwsStandIn, type AwsStandIn, type StoredItem } from './lib/aws-stand-in'
import type { Benchmark, BenchmarkOptions, BenchmarkReport } from './lib/benchmark'
import { measureColdStarts, type ColdStartSample, type ColdStartSeries, type ColdStartSubject } from './lib/cold-start'
import { compareThroughput, type ThroughputSettings } from './lib/http-throughput'
import { table } from './lib/markdown'
import { cpuPinning, startServer, type RunningServer } from './lib/processes'
import { median } from './lib/stats'

const root = projectRootFrom(import.meta.url)
const template = loadTemplate(join(root, 'template.yaml'))

// The budgets of issue 10. Sizes in decimal units, as the issue counts them (its "2.5 MB" is
// dist/lambda.mjs's 2,529,048 bytes): bytes on disk as built, not gzipped, source maps not counted.
const BUDGET = {
  apiBytes: 1_300_000,
  workerBytes: 700_000,
  /** Cold start (spawn → response), as a multiple of the baseline's median. */
  apiColdStart: 1.1,
  workerColdStart: 1.0,
  /** GET /health requests per second, as a fraction of bare Fastify's. */
  throughput: 0.9
}
const DEFAULT_RUNS = 10
const COLD_START_TIMEOUT_MS = 60_000
// A region that does not exist: if anything bypassed AWS_ENDPOINT_URL, its host would not resolve,
// so a call to real AWS fails the run instead of leaving the machine.
const FAKE_REGION = 'bench-local-1'

/**
 * One real-shaped event of each worker's trigger (bench/events/SOURCES.md), answered against the
 * stand-in (startColdStartStandIn) without an error and, where given, with that `outcome`. A worker
 * added to src/workers/ needs a line here (the benchmark refuses to run without one).
 */
const WORKER_EVENTS: Record<string, { event: string; trigger: string; outcome?: string }> = {
  notification: { event: 'sqs-order-created.json', trigger: 'SQS: ORDER_CREATED (sends no email)' },
  'order-events': { event: 'sqs-payment-failed.json', trigger: 'SQS: PAYMENT_FAILED' },
  'order-saga': { event: 'sfn-reserve-inventory.json', trigger: 'Step Functions task: reserveInventory (a pending order)', outcome: 'reserved' },
  'outbox-relay': { event: 'dynamodb-stream-outbox-insert.json', trigger: 'DynamoDB stream: INSERT (event already relayed)' },
  'recovery-sweeper': { event: 'eventbridge-scheduled.json', trigger: 'EventBridge schedule (nothing to sweep)' }
}

interface BudgetCheck {
  budget: string
  measured: string
  limit: string
  met: boolean
}

export const platform: Benchmark = {
  name: 'platform',
  title: 'Platform: Lambda cold starts against a baseline, bundle sizes, HTTP throughput (budgets of issue 10)',
  async run(options): Promise<BenchmarkReport> {
    for (const bundle of ['server.js', 'lambda.mjs']) {
      if (!existsSync(join(distDir, bundle))) throw new Error(`dist/${bundle} is missing: run \`node scripts/build.mjs\` first`)
    }
    const checks: BudgetCheck[] = []
    const sizeSection = await sizes(checks)
    // Cold starts before throughput: the throughput part starts DynamoDB Local (Java), which may
    // keep running afterwards.
    const coldStartSection = await coldStarts(options, checks)
    const throughputSection = await throughput(options, checks)
    const exceeded = checks.filter((check) => !check.met).map((check) => `${check.budget}: ${check.measured} (budget ${check.limit})`)
    const summary = [
      '### Budgets',
      '',
      table(['budget', 'measured', 'limit', 'status'], checks.map((check) => [check.budget, check.measured, check.limit, check.met ? 'met' : '**EXCEEDED**'])),
      '',
      exceeded.length ? `**${exceeded.length} of ${checks.length} budgets exceeded.**` : `All ${checks.length} budgets met.`
    ].join('\n')
    return { markdown: [summary, coldStartSection, sizeSection, throughputSection].join('\n\n'), exceeded }
  }
}

/**
 * GET /health throughput against bare Fastify, over several fresh starts of the three servers: how
 * fast a Node process serves depends on what V8 saw while it started (which inline caches of Node's
 * http, stream and events code went megamorphic, how \`process.nextTick\` was optimised), and that
 * is decided anew at each start, bimodally (BENCHMARKS.md, "fourth pass"). One start is one draw;
 * the budget is checked on the median over starts of each start's ratio, all shown.
 */
async function throughput({ quick }: BenchmarkOptions, checks: BudgetCheck[]): Promise<string> {
  const starts = quick ? 1 : THROUGHPUT_STARTS
  const settings: ThroughputSettings = quick
    ? { connections: 50, pipelining: 1, warmupSeconds: 1, roundSeconds: 2, rounds: 2 }
    : { connections: 50, pipelining: 1, warmupSeconds: 3, roundSeconds: 5, rounds: 3 }
  await ensureDynamoDbLocal()
  const apiId = requiredApiFunctionId()
  const standIn = await startColdStartStandIn()
  const pinning = cpuPinning()
  const samples: ThroughputStart[] = []
  let body = ''
  try {
    for (let start = 0; start < starts; start++) {
      const sample = await throughputStart(apiId, standIn.url, settings, pinning?.serverCpu)
      body = sample.body
      samples.push(sample)
    }
  } finally {
    pinning?.release()
    await standIn.stop()
  }
  const ratio = median(samples.map((sample) => sample.ours / sample.bare))
  const containerRatio = median(samples.map((sample) => sample.container / sample.bare))
  checks.push({ budget: 'GET /health throughput, ours / bare Fastify', measured: ratio.toFixed(2), limit: `≥ ${BUDGET.throughput}`, met: ratio >= BUDGET.throughput })
  const micros = (value: number | undefined) => (value === undefined ? '—' : value.toFixed(1))
  const rows = samples.map((sample, index) => [
    index + 1,
    Math.round(sample.ours),
    Math.round(sample.bare),
    Math.round(sample.container),
    (sample.ours / sample.bare).toFixed(3),
    (sample.container / sample.bare).toFixed(3),
    `${micros(sample.cpu.ours)} / ${micros(sample.cpu.bare)} / ${micros(sample.cpu.container)}`,
    sample.failures
  ])
  const cpuRatios = samples.flatMap(({ cpu }) => (cpu.ours && cpu.bare ? [cpu.bare / cpu.ours] : []))
  return [
    '### GET /health throughput',
    '',
    `${starts} fresh start${starts === 1 ? '' : 's'} of three servers: ours, \`node dist/server.js\` with the embedded runtime; bare Fastify (\`bench/bare-fastify.mjs\`); ` +
      'ours as the container runs it (aws mode with the API function\'s environment, its secrets read from the stand-in\'s SSM at start; no budget). ' +
      `In each start autocannon (${settings.connections} connections, pipelining ${settings.pipelining}) gives every server ${settings.warmupSeconds} s of warm-up, then ` +
      `${settings.rounds} rounds of ${settings.roundSeconds} s in turn (the order reversed every other round); a server's figure is the median of its rounds. ` +
      `Our servers log at warn; all answer \`${body}\`. ` +
      (pinning
        ? `Pinned with taskset: the servers (and our server's DynamoDB Local) on CPU ${pinning.serverCpu}, autocannon on CPU ${pinning.clientCpu}.`
        : 'Not pinned to CPUs (one CPU, or no taskset).'),
    '',
    table(['start', 'ours req/s', 'bare req/s', 'container req/s', 'ours / bare', 'container / bare', 'CPU µs per request: ours / bare / container', 'non-2xx / errors'], rows),
    '',
    'CPU per request: the server process\'s user + system time (from /proc) over each round\'s requests, median of the rounds; for information, no budget. ' +
      'It leaves out the time a server waits, so it is steadier than req/s on a shared machine' +
      (cpuRatios.length ? `; bare's CPU per request / ours, median over starts: ${median(cpuRatios).toFixed(2)}.` : '.'),
    '',
    `**Ratio ours/bare, median over starts: ${ratio.toFixed(2)}** (budget ≥ ${BUDGET.throughput}: ${ratio >= BUDGET.throughput ? 'met' : 'EXCEEDED'}). ` +
      `The container's path / bare: ${containerRatio.toFixed(2)} (no budget).`
  ].join('\n')
}

/** Fresh starts of the three servers in the throughput comparison (each about a minute). */
const THROUGHPUT_STARTS = 5

interface ThroughputStart {
  /** Median req/s of each server's rounds in this start. */
  ours: number
  bare: number
  container: number
  /** Median µs of each server process's CPU time per request (Linux only; ours without DynamoDB Local's Java). */
  cpu: Record<'ours' | 'bare' | 'container', number | undefined>
  failures: number
  /** What every server answered to GET /health (they must agree). */
  body: string
}

async function throughputStart(apiId: string, standInUrl: string, settings: ThroughputSettings, cpu: number | undefined): Promise<ThroughputStart> {
  const servers: RunningServer[] = []
  try {
    // RUNTIME_MODE is explicit so that AWS settings in the caller's shell cannot switch modes.
    const ours = await startServer([join(distDir, 'server.js')], { RUNTIME_MODE: 'local', LOG_LEVEL: 'warn' }, '/health', undefined, cpu)
    servers.push(ours)
    const bare = await startServer([join(root, 'bench', 'bare-fastify.mjs')], {}, '/health', undefined, cpu)
    servers.push(bare)
    // The container's path: aws mode with the API function's environment, its secrets read from the
    // stand-in's SSM at start; GET /health calls nothing else.
    const container = await startServer([join(distDir, 'server.js')], lambdaEnvironment(apiId, standInUrl), '/health', undefined, cpu)
    servers.push(container)
    const bodies = await Promise.all([ours, bare, container].map(async ({ url }) => (await fetch(`${url}/health`)).text()))
    if (new Set(bodies).size !== 1) throw new Error(`GET /health differs: ${bodies.join(' / ')}`)
    const results = await compareThroughput(
      [
        { label: 'ours', url: `${ours.url}/health`, pid: ours.pid },
        { label: 'bare', url: `${bare.url}/health`, pid: bare.pid },
        { label: 'container', url: `${container.url}/health`, pid: container.pid }
      ],
      settings
    )
    const [ourResult, bareResult, containerResult] = results
    if (!ourResult || !bareResult || !containerResult) throw new Error('missing throughput result')
    return {
      ours: ourResult.medianRequestsPerSecond,
      bare: bareResult.medianRequestsPerSecond,
      container: containerResult.medianRequestsPerSecond,
      cpu: { ours: ourResult.medianCpuMicrosPerRequest, bare: bareResult.medianCpuMicrosPerRequest, container: containerResult.medianCpuMicrosPerRequest },
      failures: results.reduce((sum, result) => sum + result.failures, 0),
      body: bodies[0] ?? ''
    }
  } finally {
    for (const server of servers.reverse()) await server.stop()
  }
}

/** The template's function whose Handler is `handler` (e.g. `workers/notification.handler`). */
/**
 * The AWS stand-in of the cold starts, holding the order the saga's ReserveInventory event names,
 * pending, so that its first invocation runs the saga's usual path (read the order, then the
 * reservation transaction) rather than an error.
 */
export async function startColdStartStandIn(): Promise<AwsStandIn> {
  const ordersTable = placeholderFunctionEnvironment(template, apiFunctionId(template), 'bench').ORDERS_TABLE ?? ''
  const pendingOrder = JSON.parse(await readFile(join(root, 'bench', 'events', 'dynamodb-item-pending-order.json'), 'utf8')) as StoredItem
  // The secrets every function reads at cold start, by the SSM parameter names its environment gives.
  const secrets = Object.assign(
    {},
    ...Object.entries(template.Resources)
      .filter(([, resource]) => resource.Type === 'AWS::Serverless::Function')
      .map(([id]) => placeholderSecretParameters(placeholderFunctionEnvironment(template, id, 'bench')))
  ) as Record<string, string>
  return startAwsStandIn({ [ordersTable]: [pendingOrder] }, secrets)
}

/** The template's API function (Handler: lambda.handler); the cold starts and the container's throughput run as it. */
function requiredApiFunctionId(): string {
  const id = apiFunctionId(template)
  if (!id) throw new Error('template.yaml has no API function (Handler: lambda.handler)')
  return id
}

export function functionIdFor(handler: string): string {
  const id = Object.entries(template.Resources).find(([, resource]) => resource.Type === 'AWS::Serverless::Function' && resource.Properties?.Handler === handler)?.[0]
  if (!id) throw new Error(`template.yaml has no function with Handler ${handler}`)
  return id
}

/** What Lambda would set for the function (template.yaml), with placeholder names and secrets, in AWS mode against the stand-in. */
export function lambdaEnvironment(functionId: string, endpoint: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    ...placeholderFunctionEnvironment(template as CloudFormationTemplate, functionId, 'bench'),
    RUNTIME_MODE: 'aws',
    AWS_REGION: FAKE_REGION,
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    AWS_ENDPOINT_URL: endpoint,
    AWS_EC2_METADATA_DISABLED: 'true',
    LOG_LEVEL: 'warn'
  }
}

async function workerBundles(): Promise<string[]> {
  const files = await readdir(join(distDir, 'workers')).catch(() => [] as string[])
  return files.filter((file) => file.endsWith('.mjs')).map((file) => file.slice(0, -'.mjs'.length)).sort()
}

async function coldStarts({ quick, runs: requestedRuns }: BenchmarkOptions, checks: BudgetCheck[]): Promise<string> {
  const runs = requestedRuns ?? (quick ? 3 : DEFAULT_RUNS)
  const baseline = await buildBaseline()
  const apiId = requiredApiFunctionId()
  const standIn = await startColdStartStandIn()
  const pinning = cpuPinning()
  try {
    const driver = join(root, 'bench', 'lambda-cold-start.mjs')
    const events = join(root, 'bench', 'events')
    const apiEnv = lambdaEnvironment(apiId, standIn.url)
    const lambdaSubject = (label: string, bundle: string, event: string, functionId: string, env: NodeJS.ProcessEnv): ColdStartSubject => ({
      label,
      args: [driver, bundle, join(events, event), functionId],
      env,
      reports: true
    })
    const health = 'apigw-rest-get-health.json'
    const subjects: ColdStartSubject[] = [
      lambdaSubject('baseline', baseline.path, health, apiId, apiEnv),
      lambdaSubject('api', join(distDir, 'lambda.mjs'), health, apiId, apiEnv)
    ]
    const triggers: Record<string, string> = { baseline: 'API Gateway REST v1: GET /health', api: 'API Gateway REST v1: GET /health' }
    const expectedOutcomes: Record<string, string | undefined> = {}
    for (const worker of await workerBundles()) {
      const spec = WORKER_EVENTS[worker]
      if (!spec) throw new Error(`no cold-start event for dist/workers/${worker}.mjs: add one to WORKER_EVENTS in bench/platform.ts`)
      const functionId = functionIdFor(`workers/${worker}.handler`)
      subjects.push(lambdaSubject(`workers/${worker}`, join(distDir, 'workers', `${worker}.mjs`), spec.event, functionId, lambdaEnvironment(functionId, standIn.url)))
      triggers[`workers/${worker}`] = spec.trigger
      expectedOutcomes[`workers/${worker}`] = spec.outcome
    }
    subjects.push({ label: 'node -e ""', args: ['-e', ''], env: apiEnv, reports: false })

    const awsCalls = new Map<string, string[]>()
    const series = await measureColdStarts(subjects, {
      runs,
      cpu: pinning?.serverCpu,
      timeoutMs: COLD_START_TIMEOUT_MS,
      check(subject, sample) {
        const calls = standIn.takeCalls()
        if (!awsCalls.has(subject.label)) awsCalls.set(subject.label, calls)
        checkOutcome(subject.label, sample, expectedOutcomes[subject.label], calls)
      }
    })
    const byLabel = (label: string) => series.find((entry) => entry.subject.label === label) as ColdStartSeries
    const baselineMs = byLabel('baseline').medianResponseMs
    const ms = (value: number) => value.toFixed(1)
    const ratio = (entry: ColdStartSeries) => entry.medianResponseMs / baselineMs
    for (const entry of series) {
      const label = entry.subject.label
      if (label === 'baseline' || label === 'node -e ""') continue
      const limit = label === 'api' ? BUDGET.apiColdStart : BUDGET.workerColdStart
      const name = label === 'api' ? 'dist/lambda.mjs' : `dist/${label}.mjs`
      checks.push({
        budget: `cold start of ${name}, × baseline`,
        measured: `${ratio(entry).toFixed(2)} (${ms(entry.medianResponseMs)} ms vs ${ms(baselineMs)} ms)`,
        limit: `≤ ${limit.toFixed(2)}`,
        met: ratio(entry) <= limit
      })
    }
    const inside = (entry: ColdStartSeries, pick: (sample: ColdStartSample) => number) =>
      entry.subject.reports ? ms(median(entry.samples.map(pick))) : ''
    const outcomeOf = (entry: ColdStartSeries) => {
      const report = entry.samples[0]?.report
      if (!report) return 'exit 0'
      if (report.errorType) return `throws ${report.errorType}`
      const result = report.result as { statusCode?: number; batchItemFailures?: unknown[]; outcome?: string } | undefined
      if (result?.statusCode !== undefined) return `${result.statusCode}`
      if (result?.batchItemFailures) return `${result.batchItemFailures.length} batch item failures`
      if (result?.outcome) return `outcome: ${result.outcome}`
      return 'returns'
    }
    const rows = series.map((entry) => [
      entry.subject.reports ? `\`${relative(root, entry.subject.args[1] ?? '')}\`` : '`node -e ""`',
      triggers[entry.subject.label] ?? '—',
      outcomeOf(entry),
      (awsCalls.get(entry.subject.label) ?? []).join(', ') || '—',
      `**${ms(entry.medianResponseMs)}**`,
      ms(entry.medianExitMs),
      inside(entry, (sample) => sample.report?.startedMs ?? 0),
      inside(entry, (sample) => (sample.report ? sample.report.importedMs - sample.report.startedMs : 0)),
      inside(entry, (sample) => (sample.report ? sample.report.invokedMs - sample.report.importedMs : 0)),
      ratio(entry).toFixed(2)
    ])
    return [
      '### Lambda cold starts against the baseline',
      '',
      `${runs} fresh processes per row, interleaved round by round (the order rotated each round)` +
        (pinning ? `, every one pinned with taskset to CPU ${pinning.serverCpu} (this runner and the stand-in on CPU ${pinning.clientCpu})` : ', not pinned (one CPU, or no taskset)') +
        '. Each Lambda row is `node bench/lambda-cold-start.mjs <bundle> <event>`: import the bundle (init), then invoke its handler once with a real-shaped event of its trigger (bench/events/); ' +
        'the time is from spawn until the response is printed (the process then exits at once). ' +
        '`node -e ""` is timed from spawn to exit. ' +
        `The baseline is \`bench/baseline/lambda.ts\` — Fastify + @fastify/aws-lambda + the DynamoDB document client, 22 TypeBox-validated routes — bundled by bench/baseline/build.mjs with scripts/build.mjs's Lambda settings (minified, keepNames, ESM, sourcemap, code splitting; ${baseline.footprint.startBytes} bytes loaded by its import: the entry file's ${baseline.bytes} and the chunks it imports; ${baseline.footprint.totalBytes} with the chunks it can load later). ` +
        `Environment: what template.yaml gives each function (the API's for the baseline and \`node -e ""\`; incl. NODE_OPTIONS=${apiEnv.NODE_OPTIONS ?? ''}), placeholder table names and SSM parameter names of the secrets, RUNTIME_MODE=aws, AWS_REGION=${FAKE_REGION} (a region that does not exist), dummy credentials, LOG_LEVEL=warn, ` +
        'and AWS_ENDPOINT_URL at a stand-in on 127.0.0.1 (bench/lib/aws-stand-in.ts: a DynamoDB holding only the pending order named by the saga event, and SSM GetParameters answering placeholder secrets; any other call answered 400): the AWS calls column lists what the first invocation called, and their round trips are in its time. Nothing leaves the machine.',
      '',
      table(
        ['bundle', 'event', 'outcome', 'AWS calls (stand-in)', 'median to response (ms)', 'median to exit (ms)', 'Node bootstrap (ms)', 'import (ms)', 'first invocation (ms)', '× baseline'],
        rows
      ),
      '',
      `**API cold start: ${ratio(byLabel('api')).toFixed(2)} × the baseline** (budget ≤ ${BUDGET.apiColdStart}); every worker's budget is ≤ ${BUDGET.workerColdStart.toFixed(1)} × the baseline.`
    ].join('\n')
  } finally {
    pinning?.release()
    await standIn.stop()
  }
}

/** Fails the run when a cold start did not answer as it should: a fast wrong answer is no result. */
function checkOutcome(label: string, sample: ColdStartSample, expectedOutcome: string | undefined, calls: string[]): void {
  const report = sample.report
  if (!report) return
  const unexpectedCall = calls.find((call) => !call.startsWith('DynamoDB.') && call !== 'SSM.GetParameters')
  if (unexpectedCall) throw new Error(`${label}: called ${unexpectedCall}, which the stand-in does not answer`)
  if (report.errorType) throw new Error(`${label}: threw ${report.errorType}: ${report.errorMessage}`)
  const result = report.result as { statusCode?: number; batchItemFailures?: unknown[]; outcome?: string } | undefined
  if (expectedOutcome !== undefined && result?.outcome !== expectedOutcome) throw new Error(`${label}: expected outcome ${expectedOutcome}, got ${JSON.stringify(result)}`)
  if (result?.statusCode !== undefined && result.statusCode !== 200) throw new Error(`${label}: GET /health answered ${result.statusCode}`)
  if (result?.batchItemFailures?.length) throw new Error(`${label}: ${result.batchItemFailures.length} batch item failures`)
}

async function sizes(checks: BudgetCheck[]): Promise<string> {
  const kb = (bytes: number) => `${(bytes / 1000).toFixed(1)} kB`
  const budgetOf = (file: string) => (file === 'lambda.mjs' ? BUDGET.apiBytes : BUDGET.workerBytes)
  const footprints = await lambdaFootprints()
  const lambdaRows = footprints.map(({ file, entryBytes, startBytes, startFiles, totalBytes, totalFiles }) => {
    const budget = budgetOf(file)
    const met = startBytes <= budget
    checks.push({ budget: `size of dist/${file} (entry + chunks it imports)`, measured: `${startBytes} bytes`, limit: `≤ ${budget} bytes`, met })
    return [
      `dist/${file}`,
      `${entryBytes} (${kb(entryBytes)})`,
      `**${startBytes} (${kb(startBytes)})**, ${startFiles} files`,
      `${budget} (${kb(budget)})`,
      met ? 'met' : '**EXCEEDED**',
      `${totalBytes} (${kb(totalBytes)}), ${totalFiles} files`
    ]
  })
  const all = await bundleSizes()
  const chunks = all.filter(({ file }) => file.startsWith(`${CHUNKS_DIR}/`))
  const lambdaFiles = new Set(footprints.map(({ file }) => file))
  const otherRows = all
    .filter(({ file }) => !file.startsWith(`${CHUNKS_DIR}/`) && !lambdaFiles.has(file))
    .map(({ file, bytes, gzipBytes }) => [`dist/${file}`, `${bytes} (${kb(bytes)})`, `${gzipBytes} (${kb(gzipBytes)})`])
  const sum = (key: 'bytes' | 'gzipBytes') => chunks.reduce((total, chunk) => total + chunk[key], 0)
  otherRows.push([`dist/${CHUNKS_DIR}/ (${chunks.length} files, all Lambda bundles' chunks)`, `${sum('bytes')} (${kb(sum('bytes'))})`, `${sum('gzipBytes')} (${kb(sum('gzipBytes'))})`])
  return [
    '### Bundle sizes',
    '',
    'esbuild bundles from `node scripts/build.mjs`: bytes on disk as built (source maps and licence files not counted), decimal units. ' +
      'The Lambda bundles are split (esbuild `splitting`, each entry point built on its own): code reached only through a dynamic import ' +
      '(the Stripe SDK, the docs UI, the SNS/SFN/SES/SSM clients, the SDK credential providers other than the environment\'s) is in chunks under dist/chunks/, ' +
      'loaded on first use; `yaml` (GET /docs/yaml only) is a CommonJS side bundle there, required on first use. ' +
      'Code an entry shares with such a chunk is in a chunk both import, so the entry file alone understates a cold start: ' +
      'the budgets (dist/lambda.mjs ≤ 1.3 MB, every worker ≤ 700 kB) are checked against **the entry file plus the chunks it imports statically** ' +
      '(what importing it loads, from dist/meta.json), and the last column adds every chunk it can load later.',
    '',
    table(['Lambda bundle', 'entry file bytes', 'entry + chunks it imports (budgeted)', 'budget (bytes)', 'status', 'with every chunk it can load'], lambdaRows),
    '',
    'The other bundles (no budget; the server bundles are not split) and the chunks; gzip for information only:',
    '',
    table(['bundle', 'bytes', 'gzip bytes'], otherRows)
  ].join('\n')
}
