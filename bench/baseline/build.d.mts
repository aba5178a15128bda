// Types of bench/baseline/build.mjs, for bench/platform.ts.
export declare const baselineOutDir: string
export declare const baselineBundle: string
/** Builds the baseline bundle; its path and size in bytes (source map not counted). */
export declare function buildBaseline(): Promise<{ path: string; bytes: number }>
