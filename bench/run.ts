// Benchmark runner: `npm run bench [-- <name>...] [--write] [--quick] [--runs=N]` (npm builds dist/
// first). Runs the named benchmarks (all when none is named) and prints each as a markdown section
// with the command, date and machine. --write also replaces that benchmark's section in BENCHMARKS.md;
// --quick shortens everything to check that a benchmark works (cannot be combined with --write);
// --runs=N sets the samples per series of benchmarks that repeat (the platform cold starts).
// A benchmark with budgets (e.g. platform) makes the run exit non-zero, naming every budget exceeded,
// after printing (and writing) its results.
// A new benchmark is a module exporting a `Benchmark` (bench/lib/benchmark.ts), listed below.
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { projectRootFrom } from '../src/infra/project-root'
import type { Benchmark } from './lib/benchmark'
import { loadDescription, machineDescription, replaceMarkedSection } from './lib/markdown'
import { auth } from './auth'
import { orders } from './orders'
import { payments } from './payments'
import { platform } from './platform'
import { secrets } from './secrets'
import { metrics } from './metrics'

const BENCHMARKS: Benchmark[] = [platform, auth, orders, payments, secrets, metrics]

const BENCHMARKS_FILE = join(projectRootFrom(import.meta.url), 'BENCHMARKS.md')
const NEW_FILE_HEADER = '# Benchmarks\n\nProduced by `npm run bench -- <name> --write`; each section is replaced by its benchmark.\n'

async function main(args: string[]): Promise<void> {
  const write = args.includes('--write')
  const quick = args.includes('--quick')
  const runsArg = args.find((arg) => arg.startsWith('--runs='))
  const runs = runsArg === undefined ? undefined : Number(runsArg.slice('--runs='.length))
  if (runs !== undefined && !(Number.isInteger(runs) && runs >= 1 && runs <= 100)) throw new Error(`--runs must be an integer from 1 to 100, not ${runsArg}`)
  const unknownFlag = args.find((arg) => arg.startsWith('--') && arg !== '--write' && arg !== '--quick' && arg !== runsArg)
  if (unknownFlag) throw new Error(`Unknown option ${unknownFlag}`)
  if (write && quick) throw new Error('--quick results are not written to BENCHMARKS.md')
  const names = args.filter((arg) => !arg.startsWith('--'))
  const unknown = names.filter((name) => !BENCHMARKS.some((benchmark) => benchmark.name === name))
  if (unknown.length) throw new Error(`Unknown benchmark ${unknown.join(', ')}; available: ${BENCHMARKS.map((b) => b.name).join(', ')}`)
  const selected = names.length ? BENCHMARKS.filter((benchmark) => names.includes(benchmark.name)) : BENCHMARKS

  const exceeded: string[] = []
  for (const benchmark of selected) {
    console.error(`Running benchmark '${benchmark.name}'${quick ? ' (quick)' : ''} ...`)
    const startedAt = new Date().toISOString().replace(/\.\d+Z$/, 'Z')
    const load = loadDescription()
    const result = await benchmark.run({ quick, runs })
    const body = typeof result === 'string' ? result : result.markdown
    const flags = `${quick ? ' --quick' : ''}${runsArg ? ` ${runsArg}` : ''}`
    const section = [
      `## ${benchmark.title}${quick ? ' (quick run, not representative)' : ''}`,
      '',
      `- Command: \`npm run bench -- ${benchmark.name}${flags}\``,
      `- Date: ${startedAt}`,
      `- Machine: ${machineDescription()}`,
      `- Load: ${load}`,
      '',
      body
    ].join('\n')
    console.log(`${section}\n`)
    if (write) {
      const current = await readFile(BENCHMARKS_FILE, 'utf8').catch(() => NEW_FILE_HEADER)
      await writeFile(BENCHMARKS_FILE, replaceMarkedSection(current, benchmark.name, section))
      console.error(`Updated the '${benchmark.name}' section of BENCHMARKS.md.`)
    }
    if (typeof result !== 'string') exceeded.push(...result.exceeded.map((line) => `${benchmark.name}: ${line}`))
  }
  if (exceeded.length) {
    console.error(['', '!!! BUDGET EXCEEDED !!!', ...exceeded.map((line) => `  - ${line}`), ''].join('\n'))
    process.exitCode = 1
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error)
  process.exitCode = 1
})
