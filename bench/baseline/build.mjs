// Bundles the cold-start baseline (bench/baseline/lambda.ts) to .cache/bench/baseline/lambda.mjs with
// exactly the esbuild options scripts/build.mjs gives the Lambda bundles (lambdaBundleOptions).
// Outside dist/ so that the project's build neither deletes it nor counts it as ours.
// Usage: node bench/baseline/build.mjs   (bench/platform.ts calls buildBaseline())
import { readFile, rm, stat } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import * as esbuild from 'esbuild'
import { lambdaBundleOptions, lambdaFootprints } from '../../scripts/build.mjs'

const here = path.dirname(fileURLToPath(import.meta.url))
const root = path.resolve(here, '..', '..')
const entry = path.join(here, 'lambda.ts')
export const baselineOutDir = path.join(root, '.cache', 'bench', 'baseline')
export const baselineBundle = path.join(baselineOutDir, 'lambda.mjs')
/** The issue defines the baseline as having 22 schema-validated routes. */
const ROUTES = 22

/**
 * Builds the baseline bundle; returns its path, its size in bytes (source map not counted) and its
 * footprint as scripts/build.mjs's lambdaFootprints counts ours (the entry and the chunks it imports
 * statically; with every chunk it can load).
 */
export async function buildBaseline() {
  const source = await readFile(entry, 'utf8')
  const routes = source.match(/\bapp\.(get|post|put|patch|delete)\(/g)?.length ?? 0
  if (routes !== ROUTES) throw new Error(`bench/baseline/lambda.ts declares ${routes} routes; the baseline must have ${ROUTES}`)
  await rm(baselineOutDir, { recursive: true, force: true })
  const { metafile } = await esbuild.build({ ...lambdaBundleOptions, entryPoints: { lambda: entry }, outdir: baselineOutDir })
  const [footprint] = await lambdaFootprints({ dir: baselineOutDir, metafile, entries: ['lambda.mjs'] })
  return { path: baselineBundle, bytes: (await stat(baselineBundle)).size, footprint }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { path: file, bytes } = await buildBaseline()
  console.log(`${path.relative(root, file)}  ${(bytes / 1024).toFixed(1)} KiB`)
}
