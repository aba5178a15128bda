// Cold starts for the platform benchmark: each sample is a fresh `node` process, timed from spawn
// until it prints its response (bench/lambda-cold-start.mjs) — or until it exits, for a process that
// prints nothing (bare `node -e ""`). Subjects are interleaved round by round, with the order rotated
// each round, so every series sees the same machine conditions and no subject always goes first.
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { median } from './stats'

export interface ColdStartSubject {
  label: string
  /** Arguments of `node`. */
  args: string[]
  env: NodeJS.ProcessEnv
  /** True when the process prints bench/lambda-cold-start.mjs's JSON report. */
  reports: boolean
}

/** bench/lambda-cold-start.mjs's report: ms since process start, and the handler's outcome. */
export interface DriverReport {
  startedMs: number
  importedMs: number
  invokedMs: number
  result?: unknown
  errorType?: string
  errorMessage?: string
}

export interface ColdStartSample {
  /** Spawn to the response line (to exit for a process that reports nothing). */
  responseMs: number
  exitMs: number
  report?: DriverReport
  /** What the process printed (the report's line included), e.g. EMF metric lines. */
  stdout?: string
}

export interface ColdStartSeries {
  subject: ColdStartSubject
  samples: ColdStartSample[]
  medianResponseMs: number
  medianExitMs: number
}

/** One sample; `cpu` pins the process (taskset). Killed, and failed, after `timeoutMs`. */
export async function coldStartOnce(subject: ColdStartSubject, cpu: number | undefined, timeoutMs: number): Promise<ColdStartSample> {
  const [command, args] = cpu === undefined ? [process.execPath, subject.args] : ['taskset', ['-c', String(cpu), process.execPath, ...subject.args]]
  const started = process.hrtime.bigint()
  const elapsed = () => Number(process.hrtime.bigint() - started) / 1e6
  const child = spawn(command, args, { env: subject.env, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  let responseMs: number | undefined
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString()
    // The report is the driver's last line, written once the handler has answered.
    if (responseMs === undefined && stdout.includes('{"startedMs":')) responseMs = elapsed()
  })
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4_000)))
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
  // 'close', not 'exit': the output is complete only when the pipes are closed.
  const [code, signal] = (await once(child, 'close')) as [number | null, NodeJS.Signals | null]
  clearTimeout(timer)
  const exitMs = elapsed()
  if (signal === 'SIGKILL') throw new Error(`${subject.label}: no answer within ${timeoutMs} ms; stderr:\n${stderr}`)
  if (code !== 0) throw new Error(`${subject.label}: exited with ${code}; stderr:\n${stderr}`)
  if (!subject.reports) return { responseMs: exitMs, exitMs }
  const line = stdout.trim().split('\n').reverse().find((candidate) => candidate.startsWith('{"startedMs":'))
  if (!line || responseMs === undefined) throw new Error(`${subject.label}: no report on stdout:\n${stdout.slice(-2_000)}\n${stderr}`)
  return { responseMs, exitMs, report: JSON.parse(line) as DriverReport, stdout }
}

/** `runs` samples of every subject, interleaved; `check` may throw on a wrong outcome. */
export async function measureColdStarts(
  subjects: ColdStartSubject[],
  { runs, cpu, timeoutMs, check }: { runs: number; cpu: number | undefined; timeoutMs: number; check(subject: ColdStartSubject, sample: ColdStartSample): void }
): Promise<ColdStartSeries[]> {
  const samples = subjects.map(() => [] as ColdStartSample[])
  for (let run = 0; run < runs; run++) {
    for (let offset = 0; offset < subjects.length; offset++) {
      const index = (run + offset) % subjects.length
      const subject = subjects[index] as ColdStartSubject
      const sample = await coldStartOnce(subject, cpu, timeoutMs)
      check(subject, sample)
      samples[index]?.push(sample)
    }
  }
  return subjects.map((subject, index) => {
    const series = samples[index] ?? []
    return {
      subject,
      samples: series,
      medianResponseMs: median(series.map((sample) => sample.responseMs)),
      medianExitMs: median(series.map((sample) => sample.exitMs))
    }
  })
}
