// Where a Lambda cold start spends its CPU time: one cold start (as in the platform benchmark: same
// driver, environment and AWS stand-in) run with `node --cpu-prof`, the samples mapped back through
// the bundle's source map to the original files, and summed by package and by phase — in particular
// schema compilation (Ajv validators, fast-json-stringify serializers), which issue 10 asks about.
// Usage: npx tsx bench/profile-cold-start.ts [bundle under dist/ (default lambda.mjs), or `baseline`] [event under
// bench/events/] (build first: node scripts/build.mjs; `baseline` is the bundle the platform benchmark last built). The .cpuprofile is kept (path printed) for Chrome DevTools.
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, readdir, readFile } from 'node:fs/promises'
import { SourceMap } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { distDir } from '../scripts/build.mjs'
import { baselineBundle } from './baseline/build.mjs'
import { apiFunctionId } from '../src/local/template/placeholder-environment'
import { loadTemplate } from '../src/local/template/template'
import { projectRootFrom } from '../src/infra/project-root'
import { functionIdFor, lambdaEnvironment, startColdStartStandIn } from './platform'

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number }
  children?: number[]
}
interface CpuProfile {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
}

/** Phases recognised by the original file of any frame on the stack; the first match wins. */
const PHASES: Array<[string, RegExp]> = [
  ['schema compilation (ajv, fast-json-stringify, fast-uri)', /node_modules\/(ajv|ajv-formats|fast-json-stringify|@fastify\/ajv-compiler|@fastify\/fast-json-stringify-compiler|fast-uri|json-schema-ref-resolver)\//],
  ['swagger / OpenAPI document', /node_modules\/@fastify\/swagger(-ui)?\//],
  ['AWS SDK', /node_modules\/@(aws-sdk|smithy)\//],
  ['Stripe SDK', /node_modules\/stripe\//],
  ['Fastify (routing, hooks, plugins)', /node_modules\/(fastify|avvio|find-my-way|light-my-request|@fastify\/aws-lambda)\//]
]

const root = projectRootFrom(import.meta.url)
const bundle = process.argv[2] === 'baseline' ? baselineBundle : join(distDir, process.argv[2] ?? 'lambda.mjs')
const eventFile = join(root, 'bench', 'events', process.argv[3] ?? 'apigw-rest-get-health.json')
const template = loadTemplate(join(root, 'template.yaml'))
const relativeBundle = bundle === baselineBundle ? 'lambda.mjs' : bundle.slice(distDir.length + 1)
const functionId = relativeBundle === 'lambda.mjs' ? apiFunctionId(template) : functionIdFor(`${relativeBundle.replace(/\.mjs$/, '')}.handler`)
if (!functionId) throw new Error(`no template function for ${relativeBundle}`)

const standIn = await startColdStartStandIn()
const profileDir = await mkdtemp(join(tmpdir(), 'cold-start-profile-'))
try {
  const child = spawn(
    process.execPath,
    ['--cpu-prof', '--cpu-prof-interval=100', `--cpu-prof-dir=${profileDir}`, join(root, 'bench', 'lambda-cold-start.mjs'), bundle, eventFile, functionId],
    { env: lambdaEnvironment(functionId, standIn.url), stdio: ['ignore', 'pipe', 'inherit'] }
  )
  let stdout = ''
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  const [code] = (await once(child, 'close')) as [number | null]
  if (code !== 0) throw new Error(`cold start exited with ${code}`)
  const report = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as { startedMs: number; importedMs: number; invokedMs: number }
  const file = (await readdir(profileDir)).find((name) => name.endsWith('.cpuprofile'))
  if (!file) throw new Error('no .cpuprofile written')
  const profile = JSON.parse(await readFile(join(profileDir, file), 'utf8')) as CpuProfile
  const map = new SourceMap(JSON.parse(await readFile(`${bundle}.map`, 'utf8')))
  console.log(summarize(profile, map, bundle))
  console.log(`\ncold start: import ${(report.importedMs - report.startedMs).toFixed(0)} ms, first invocation ${(report.invokedMs - report.importedMs).toFixed(0)} ms (profiling slows both)`)
  console.log(`profile: ${join(profileDir, file)}`)
} finally {
  await standIn.stop()
}

function summarize(profile: CpuProfile, map: SourceMap, bundlePath: string): string {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]))
  const parent = new Map<number, number>()
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id)
  const sourceCache = new Map<number, string>()
  const bundleUrl = `file://${bundlePath}`
  const sourceOf = (node: ProfileNode): string => {
    const cached = sourceCache.get(node.id)
    if (cached !== undefined) return cached
    const { url, lineNumber, columnNumber } = node.callFrame
    let source = url ? url.replace(/^file:\/\//, '') : `(${node.callFrame.functionName || 'native'})`
    if (url === bundleUrl) {
      const entry = map.findEntry(lineNumber, columnNumber) as { originalSource?: string }
      source = entry.originalSource ? entry.originalSource.replace(/^.*?(node_modules\/|src\/)/, '$1') : 'bundle (unmapped)'
    }
    sourceCache.set(node.id, source)
    return source
  }
  const packageOf = (source: string) => {
    const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(source)
    if (match) return match[1] as string
    if (source.startsWith('src/')) return `src/${source.split('/')[1] ?? ''}`
    return source.startsWith('node:') || source.startsWith('(') ? source : 'other'
  }
  const selfByPackage = new Map<string, number>()
  const byPhase = new Map<string, number>()
  let total = 0
  profile.samples.forEach((id, index) => {
    const ms = (profile.timeDeltas[index] ?? 0) / 1000
    const node = byId.get(id)
    if (!node || node.callFrame.functionName === '(idle)') return
    total += ms
    const pkg = packageOf(sourceOf(node))
    selfByPackage.set(pkg, (selfByPackage.get(pkg) ?? 0) + ms)
    let phase = 'other'
    for (let current: number | undefined = id; current !== undefined && phase === 'other'; current = parent.get(current)) {
      const frame = byId.get(current)
      if (!frame) break
      const source = sourceOf(frame)
      phase = PHASES.find(([, pattern]) => pattern.test(source))?.[0] ?? 'other'
    }
    byPhase.set(phase, (byPhase.get(phase) ?? 0) + ms)
  })
  const lines = (entries: Map<string, number>, top: number) =>
    [...entries].sort((a, b) => b[1] - a[1]).slice(0, top).map(([name, ms]) => `  ${ms.toFixed(1).padStart(7)} ms  ${((100 * ms) / total).toFixed(1).padStart(5)} %  ${name}`)
  return [
    `CPU time sampled (not idle): ${total.toFixed(1)} ms`,
    'by phase (a sample counts for the innermost phase on its stack):',
    ...lines(byPhase, PHASES.length + 1),
    'self time by package / source (top 15):',
    ...lines(selfByPackage, 15)
  ].join('\n')
}
