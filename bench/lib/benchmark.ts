// What a benchmark module exports for bench/run.ts: it runs its measurements and returns the
// results as markdown; the runner adds the command, date and machine, and owns BENCHMARKS.md.

export interface BenchmarkOptions {
  /** Short rounds and few samples, to check that the benchmark works; not for BENCHMARKS.md. */
  quick: boolean
}

export interface Benchmark {
  /** Selects it on the command line and names its markers in BENCHMARKS.md. */
  name: string
  title: string
  run(options: BenchmarkOptions): Promise<string>
}
