// Types of scripts/build.mjs, so TypeScript code (bench/) reuses its bundle list and size report.
export interface BundleSize {
  /** Path under dist/, with forward slashes, e.g. `workers/notification.js`. */
  file: string
  bytes: number
  gzipBytes: number
}

export declare const distDir: string
/** The folder of the Lambda bundles' chunks, under dist/. */
export declare const CHUNKS_DIR: string
/** What one Lambda entry point loads: see lambdaFootprints in scripts/build.mjs. */
export interface LambdaFootprint {
  /** Path under the output folder, with forward slashes, e.g. `workers/notification.mjs`. */
  file: string
  /** The entry file alone. */
  entryBytes: number
  /** The entry and the chunks it imports statically: what importing it loads. */
  startBytes: number
  startFiles: number
  /** With every chunk it can load later. */
  totalBytes: number
  totalFiles: number
  /** The metafile inputs (e.g. `src/config.ts`, `node_modules/stripe/...`) that importing it loads. */
  startInputs: string[]
  /** The metafile inputs of the entry and every chunk it can load. */
  inputs: string[]
}
/** esbuild options of every Lambda bundle, without entry points and outdir. */
export declare const lambdaBundleOptions: Record<string, unknown>
export declare function workerEntries(): Promise<Record<string, string>>
export declare function build(options?: { quiet?: boolean; outdir?: string }): Promise<BundleSize[]>
export declare function bundleSizes(dir?: string): Promise<BundleSize[]>
export declare function newestSourceMtime(): Promise<number>
export declare function lambdaFootprints(options?: { dir?: string; metafile?: unknown; entries?: string[] }): Promise<LambdaFootprint[]>
