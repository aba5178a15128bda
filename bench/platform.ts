// The platform benchmark: GET /health throughput of our server against a bare Fastify hello-world,
// the Lambda cold start of dist/lambda.mjs against a bare `node -e ""`, and the bundles' sizes.
// Needs a fresh build (`npm run bench` builds first).
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { bundleSizes, distDir } from '../scripts/build.mjs'
import { ensureDynamoDbLocal } from '../scripts/dynamodb-local.mjs'
import { apiFunctionId, placeholderFunctionEnvironment } from '../src/local/template/placeholder-environment'
import { projectRootFrom } from '../src/infra/project-root'
import { loadTemplate } from '../src/local/template/template'
import type { Benchmark, BenchmarkOptions } from './lib/benchmark'
import { compareThroughput, type ThroughputSettings } from './lib/http-throughput'
import { table } from './lib/markdown'
import { cpuPinning, startServer, timedNodeRun } from './lib/processes'
import { median } from './lib/stats'

const root = projectRootFrom(import.meta.url)
const THROUGHPUT_GOAL = 0.8

export const platform: Benchmark = {
  name: 'platform',
  title: 'Platform: HTTP throughput, Lambda cold start, bundle sizes',
  async run(options) {
    for (const bundle of ['server.js', 'lambda.mjs']) {
      if (!existsSync(join(distDir, bundle))) throw new Error(`dist/${bundle} is missing: run \`node scripts/build.mjs\` first`)
    }
    return [await throughput(options), await coldStart(options), await sizes()].join('\n\n')
  }
}

async function throughput({ quick }: BenchmarkOptions): Promise<string> {
  const settings: ThroughputSettings = quick
    ? { connections: 50, pipelining: 1, warmupSeconds: 1, roundSeconds: 2, rounds: 2 }
    : { connections: 50, pipelining: 1, warmupSeconds: 5, roundSeconds: 10, rounds: 5 }
  await ensureDynamoDbLocal()
  const pinning = cpuPinning()
  // RUNTIME_MODE is explicit so that AWS settings in the caller's shell cannot switch modes.
  const ours = await startServer([join(distDir, 'server.js')], { RUNTIME_MODE: 'local', LOG_LEVEL: 'warn' }, '/health', undefined, pinning?.serverCpu)
  try {
    const bare = await startServer([join(root, 'bench', 'bare-fastify.mjs')], {}, '/health', undefined, pinning?.serverCpu)
    try {
      const bodies = await Promise.all([ours, bare].map(async ({ url }) => (await fetch(`${url}/health`)).text()))
      if (bodies[0] !== bodies[1]) throw new Error(`GET /health differs: ours ${bodies[0]}, bare ${bodies[1]}`)

      const [ourResult, bareResult] = await compareThroughput(
        [
          { label: 'ours: `node dist/server.js` (embedded runtime)', url: `${ours.url}/health` },
          { label: 'bare Fastify (`bench/bare-fastify.mjs`)', url: `${bare.url}/health` }
        ],
        settings
      )
      if (!ourResult || !bareResult) throw new Error('missing throughput result')
      const ratio = ourResult.medianRequestsPerSecond / bareResult.medianRequestsPerSecond
      const rows = [ourResult, bareResult].map((result) => [
        result.label,
        Math.round(result.medianRequestsPerSecond),
        result.rounds.map(Math.round).join(', '),
        result.medianP99Ms,
        result.failures
      ])
      return [
        '### GET /health throughput',
        '',
        `autocannon, ${settings.connections} connections, pipelining ${settings.pipelining}, both servers running on this machine; ` +
          `${settings.warmupSeconds} s warm-up each, then ${settings.rounds} rounds of ${settings.roundSeconds} s per server, alternating. ` +
          `Our server runs with LOG_LEVEL=warn; both answer \`${bodies[0]}\`. ` +
          (pinning
            ? `Pinned with taskset: both servers (and our server's DynamoDB Local) on CPU ${pinning.serverCpu}, autocannon on CPU ${pinning.clientCpu}.`
            : 'Not pinned to CPUs (one CPU, or no taskset).'),
        '',
        table(['server', 'median req/s', 'req/s per round', 'median p99 latency (ms)', 'non-2xx / errors'], rows),
        '',
        `**Ratio ours/bare: ${ratio.toFixed(2)}** (goal ≥ ${THROUGHPUT_GOAL}: ${ratio >= THROUGHPUT_GOAL ? 'met' : 'NOT met'}).`
      ].join('\n')
    } finally {
      await bare.stop()
    }
  } finally {
    await ours.stop()
    pinning?.release()
  }
}

async function coldStart({ quick }: BenchmarkOptions): Promise<string> {
  const runs = quick ? 3 : 15
  const env = lambdaEnvironment()
  const driver = join(root, 'bench', 'lambda-cold-start.mjs')
  const lambda: Array<{ wallMs: number; startedMs: number; importMs: number; invokeMs: number }> = []
  const baseline: number[] = []
  // Interleaved, so both series see the same machine conditions.
  for (let run = 0; run < runs; run++) {
    baseline.push((await timedNodeRun(['-e', ''], env)).wallMs)
    const { wallMs, stdout } = await timedNodeRun([driver], env)
    const report = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as {
      startedMs: number
      importedMs: number
      invokedMs: number
      statusCode: number
      body: string
    }
    if (report.statusCode !== 200) throw new Error(`cold start: GET /health answered ${report.statusCode}: ${report.body}`)
    lambda.push({
      wallMs,
      startedMs: report.startedMs,
      importMs: report.importedMs - report.startedMs,
      invokeMs: report.invokedMs - report.importedMs
    })
  }
  const ms = (value: number) => value.toFixed(1)
  const lambdaWall = median(lambda.map((run) => run.wallMs))
  const baselineWall = median(baseline)
  return [
    '### Lambda cold start (dist/lambda.mjs)',
    '',
    `${runs} fresh processes each, interleaved: \`node bench/lambda-cold-start.mjs\` (import dist/lambda.mjs, then invoke its handler ` +
      'once with an API Gateway REST v1 event for GET /health, answered 200) and `node -e ""`. Both get the environment template.yaml gives ' +
      `the API function (incl. NODE_OPTIONS=${env.NODE_OPTIONS ?? ''}), in AWS mode with dummy credentials; GET /health does no I/O. ` +
      'Wall time is from spawn to exit; the other columns are medians measured inside the driver.',
    '',
    table(
      ['process', 'median wall (ms)', 'Node bootstrap (ms)', 'import dist/lambda.mjs (ms)', 'first invocation (ms)'],
      [
        ['`node bench/lambda-cold-start.mjs`', ms(lambdaWall), ms(median(lambda.map((run) => run.startedMs))), ms(median(lambda.map((run) => run.importMs))), ms(median(lambda.map((run) => run.invokeMs)))],
        ['`node -e ""`', ms(baselineWall), '', '', '']
      ]
    ),
    '',
    `**Cold-start overhead over bare Node: ${ms(lambdaWall - baselineWall)} ms** (median wall ${ms(lambdaWall)} ms vs ${ms(baselineWall)} ms).`
  ].join('\n')
}

/** What Lambda would set for the API function (template.yaml), with placeholder names and secrets. */
function lambdaEnvironment(): NodeJS.ProcessEnv {
  const template = loadTemplate(join(root, 'template.yaml'))
  return {
    PATH: process.env.PATH,
    ...placeholderFunctionEnvironment(template, apiFunctionId(template), 'bench'),
    RUNTIME_MODE: 'aws',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    LOG_LEVEL: 'warn'
  }
}

async function sizes(): Promise<string> {
  const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`
  const rows = (await bundleSizes()).map(({ file, bytes, gzipBytes }) => [`dist/${file}`, `${bytes} (${kib(bytes)})`, `${gzipBytes} (${kib(gzipBytes)})`])
  return ['### Bundle sizes', '', 'esbuild bundles from `node scripts/build.mjs` (source maps not counted).', '', table(['bundle', 'bytes', 'gzip bytes'], rows)].join('\n')
}
