// Types of bench/baseline/build.mjs, for bench/platform.ts.
import type { LambdaFootprint } from '../../scripts/build.mjs'

export declare const baselineOutDir: string
export declare const baselineBundle: string
/** Builds the baseline bundle; its path, size in bytes (source map not counted) and footprint as ours are counted. */
export declare function buildBaseline(): Promise<{ path: string; bytes: number; footprint: LambdaFootprint }>
