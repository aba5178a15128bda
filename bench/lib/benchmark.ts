// What a benchmark module exports for bench/run.ts: it runs its measurements and returns the
// results as markdown; the runner adds the command, date and machine, and owns BENCHMARKS.md.

export interface BenchmarkOptions {
  /** Short rounds and few samples, to check that the benchmark works; not for BENCHMARKS.md. */
  quick: boolean
  /** `--runs=N`: samples per series where a benchmark takes repeated samples (e.g. cold starts). */
  runs?: number
}

/** A result with budgets: the runner exits non-zero, naming each one, when any is exceeded. */
export interface BenchmarkReport {
  markdown: string
  /** One line per budget exceeded, e.g. "dist/lambda.mjs is 2555231 bytes, budget 1300000". */
  exceeded: string[]
}

export interface Benchmark {
  /** Selects it on the command line and names its markers in BENCHMARKS.md. */
  name: string
  title: string
  run(options: BenchmarkOptions): Promise<string | BenchmarkReport>
}
