// Types of scripts/build.mjs, so TypeScript code (bench/) reuses its bundle list and size report.
export interface BundleSize {
  /** Path under dist/, with forward slashes, e.g. `workers/notification.js`. */
  file: string
  bytes: number
  gzipBytes: number
}

export declare const distDir: string
/** esbuild options of every Lambda bundle, without entry points and outdir. */
export declare const lambdaBundleOptions: Record<string, unknown>
export declare function workerEntries(): Promise<Record<string, string>>
export declare function build(options?: { quiet?: boolean; outdir?: string }): Promise<BundleSize[]>
export declare function bundleSizes(dir?: string): Promise<BundleSize[]>
export declare function newestSourceMtime(): Promise<number>
