// The cold-start cost of reading the secrets from SSM Parameter Store (issue 11: at most +50 ms): the
// API Lambda (dist/lambda.mjs) started as template.yaml configures it (the SSM parameter NAMES in its
// environment: its first invocation loads the SSM client and reads them in one GetParameters call
// from a loopback stand-in) against the same bundle given the secret VALUES in its environment (no
// SSM client, no call), interleaved. Run by `npm run bench -- secrets` (after a build).
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { distDir } from '../scripts/build.mjs'
import { projectRootFrom } from '../src/infra/project-root'
import { withPlaceholderSecrets } from '../src/local/template/placeholder-environment'
import type { Benchmark, BenchmarkReport } from './lib/benchmark'
import { measureColdStarts, type ColdStartSample, type ColdStartSeries, type ColdStartSubject } from './lib/cold-start'
import { table } from './lib/markdown'
import { cpuPinning } from './lib/processes'
import { median } from './lib/stats'
import { functionIdFor, lambdaEnvironment, startColdStartStandIn } from './platform'

const root = projectRootFrom(import.meta.url)
/** Issue 11's budget: reading the secrets adds at most this much to a cold start (median to response). */
const BUDGET_MS = 50
const DEFAULT_RUNS = 15
const COLD_START_TIMEOUT_MS = 60_000

const definedOnly = (env: NodeJS.ProcessEnv): Record<string, string> =>
  Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined))

export const secrets: Benchmark = {
  name: 'secrets',
  title: 'Secrets: cold-start cost of reading them from SSM Parameter Store (budget of issue 11)',
  async run({ quick, runs: requestedRuns }): Promise<BenchmarkReport> {
    const bundle = join(distDir, 'lambda.mjs')
    if (!existsSync(bundle)) throw new Error('dist/lambda.mjs is missing: run `node scripts/build.mjs` first')
    const runs = requestedRuns ?? (quick ? 3 : DEFAULT_RUNS)
    const apiId = functionIdFor('lambda.handler')
    const standIn = await startColdStartStandIn()
    const pinning = cpuPinning()
    try {
      const fromSsm = lambdaEnvironment(apiId, standIn.url)
      const subject = (label: string, env: NodeJS.ProcessEnv): ColdStartSubject => ({
        label,
        args: [join(root, 'bench', 'lambda-cold-start.mjs'), bundle, join(root, 'bench', 'events', 'apigw-rest-get-health.json'), apiId],
        env,
        reports: true
      })
      const subjects = [subject('ssm', fromSsm), subject('values', { PATH: process.env.PATH, ...withPlaceholderSecrets(definedOnly(fromSsm)) })]
      const callsOf = new Map<string, string[]>()
      const series = await measureColdStarts(subjects, {
        runs,
        cpu: pinning?.serverCpu,
        timeoutMs: COLD_START_TIMEOUT_MS,
        check(subject, sample) {
          const calls = standIn.takeCalls()
          callsOf.set(subject.label, calls)
          const report = sample.report
          if (report?.errorType) throw new Error(`${subject.label}: threw ${report.errorType}: ${report.errorMessage}`)
          const statusCode = (report?.result as { statusCode?: number } | undefined)?.statusCode
          if (statusCode !== 200) throw new Error(`${subject.label}: GET /health answered ${statusCode}`)
          const reads = calls.filter((call) => call === 'SSM.GetParameters').length
          const expected = subject.label === 'ssm' ? 1 : 0
          if (reads !== expected) throw new Error(`${subject.label}: ${reads} GetParameters calls, expected ${expected} (calls: ${calls.join(', ') || 'none'})`)
        }
      })
      const byLabel = (label: string) => series.find((entry) => entry.subject.label === label) as ColdStartSeries
      const ssm = byLabel('ssm')
      const values = byLabel('values')
      const costMs = ssm.medianResponseMs - values.medianResponseMs
      const met = costMs <= BUDGET_MS
      const ms = (value: number) => value.toFixed(1)
      const part = (entry: ColdStartSeries, pick: (sample: ColdStartSample) => number) => ms(median(entry.samples.map(pick)))
      const row = (entry: ColdStartSeries, description: string) => [
        description,
        (callsOf.get(entry.subject.label) ?? []).join(', ') || '—',
        `**${ms(entry.medianResponseMs)}**`,
        part(entry, (sample) => (sample.report ? sample.report.importedMs - sample.report.startedMs : 0)),
        part(entry, (sample) => (sample.report ? sample.report.invokedMs - sample.report.importedMs : 0))
      ]
      const markdown = [
        '### Budget',
        '',
        table(['budget', 'measured', 'limit', 'status'], [['cold start of dist/lambda.mjs, secrets from SSM − secrets in the environment', `${ms(costMs)} ms`, `≤ ${BUDGET_MS} ms`, met ? 'met' : '**EXCEEDED**']]),
        '',
        '### API Lambda cold starts',
        '',
        `${runs} fresh processes per row, interleaved round by round` +
          (pinning ? `, every one pinned with taskset to CPU ${pinning.serverCpu} (this runner and the stand-in on CPU ${pinning.clientCpu})` : ', not pinned (one CPU, or no taskset)') +
          '. Each is `node bench/lambda-cold-start.mjs dist/lambda.mjs apigw-rest-get-health.json`: import the bundle, invoke the handler once with API Gateway REST `GET /health`; timed from spawn to the response. ' +
          "Both get the API function's environment from template.yaml in aws mode against the loopback stand-in of bench/lib/aws-stand-in.ts (as in the platform benchmark); " +
          'the first names the secrets by their SSM parameters (as deployed), the second has their values instead (as a container may be given them). The difference is the cost of reading them: loading the SSM client (its modules are evaluated only when a parameter is to be read), building it, and its one round trip.',
        '',
        table(['secrets', 'AWS calls (stand-in)', 'median to response (ms)', 'import (ms)', 'first invocation (ms)'], [
          row(ssm, 'SSM parameter names (template.yaml)'),
          row(values, 'values in the environment')
        ]),
        '',
        `**Cost of reading the secrets: ${ms(costMs)} ms** (budget ≤ ${BUDGET_MS} ms: ${met ? 'met' : 'EXCEEDED'}). The stand-in answers on loopback: on AWS the one GetParameters call also crosses the network to SSM in the region, and KMS decrypts the values.`
      ].join('\n')
      return { markdown, exceeded: met ? [] : [`secrets from SSM add ${ms(costMs)} ms to the API cold start (budget ${BUDGET_MS} ms)`] }
    } finally {
      pinning?.release()
      await standIn.stop()
    }
  }
}
