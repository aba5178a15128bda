// Bundles the deployable entry points with esbuild: dist/server.js (local runtime and container),
// dist/lambda.mjs (API Gateway handler) and dist/workers/<name>.mjs (one per worker that exports
// `handler`). Every bundle is self-contained: dist/ runs without node_modules.
// Usage: node scripts/build.mjs   (also imported by scripts/start.mjs and bench/)
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { cp, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { promisify } from 'node:util'
import { gzipSync } from 'node:zlib'
import * as esbuild from 'esbuild'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
export const distDir = path.join(root, 'dist')
const bcryptWorker = path.join(root, 'src', 'adapters', 'crypto', 'bcrypt-worker.ts')

// An ESM bundle has no `require`, `__filename` or `__dirname`, but the CommonJS code inside it
// (Fastify, the AWS SDK) uses them: without this, loading fails with "Dynamic require of 'events'
// is not supported". The imports are aliased so they cannot clash with names in the bundle.
const banner = [
  "import { createRequire as __bannerCreateRequire } from 'node:module';",
  "import { fileURLToPath as __bannerFileURLToPath } from 'node:url';",
  "import { dirname as __bannerDirname } from 'node:path';",
  'const require = __bannerCreateRequire(import.meta.url);',
  'const __filename = __bannerFileURLToPath(import.meta.url);',
  'const __dirname = __bannerDirname(__filename);'
].join('\n')

// Packages that read their own files at run time, relative to `__dirname`, and the folders they
// read. In a bundle every module shares the bundle's `__dirname`, so the folders are copied to
// dist/assets/<package>/ and each module of the package gets its own `__dirname` pointing at its
// original place in that copy.
/**
 * The folder of the Lambda bundles' chunks (code they import dynamically, see lambdaBundleOptions),
 * under dist/ (template.yaml's CodeUri), so they deploy with the handlers.
 */
export const CHUNKS_DIR = 'chunks'

const runtimeAssets = {
  '@fastify/swagger-ui': ['static'] // the docs UI's HTML/JS/CSS and the logo read at startup
}

function runtimeAssetsPlugin() {
  return {
    name: 'runtime-assets',
    setup(build) {
      for (const packageName of Object.keys(runtimeAssets)) {
        // Matched by name, not by absolute path, so a symlinked or nested node_modules works too.
        const packageDirPattern = new RegExp(`^(.*[\\\\/]node_modules[\\\\/]${packageName.split('/').map(escapeRegExp).join('[\\\\/]')})[\\\\/].*\\.c?js$`)
        build.onLoad({ filter: packageDirPattern }, async (args) => {
          const packageDir = packageDirPattern.exec(args.path)[1]
          const relativeDir = path.relative(packageDir, path.dirname(args.path)).split(path.sep)
          const segments = JSON.stringify(['assets', ...packageName.split('/'), ...relativeDir].filter(Boolean))
          // CommonJS modules are wrapped in a function by esbuild, so this `var` stays module-local.
          // A Lambda bundle may hold the package in a chunk (dist/chunks/, see lambdaBundleOptions):
          // the assets are then one folder up.
          const prelude = `var __dirname = require('node:path').join(require('node:path').dirname(__filename), ...(require('node:path').basename(require('node:path').dirname(__filename)) === ${JSON.stringify(CHUNKS_DIR)} ? ['..'] : []), ...${segments});\n`
          return { contents: prelude + (await readFile(args.path, 'utf8')), loader: 'js' }
        })
      }
    }
  }
}

/**
 * Lambda bundles only: `bowser` (a browser user-agent parser, ~37 KB minified) is reached by a
 * dynamic import inside the AWS SDK's browser user-agent code, which esbuild bundles although no
 * Node.js client ever runs it (they use util-user-agent-node). It is replaced by a stub with the
 * same `parse`, which answers "unknown" should it ever be called.
 */
function browserOnlyStubsPlugin() {
  return {
    name: 'browser-only-stubs',
    setup(build) {
      build.onResolve({ filter: /^bowser$/ }, () => ({ path: 'bowser', namespace: 'browser-only-stub' }))
      build.onLoad({ filter: /.*/, namespace: 'browser-only-stub' }, () => ({ contents: 'export function parse() { return {} }\nexport default { parse }\n', loader: 'js' }))
    }
  }
}

/**
 * Packages of which the bundles take only the named exports, from their ES module build (package.json
 * `module`), through a small module re-exporting just those: esbuild resolves packages for platform
 * node by `main` (CommonJS), and the SSM client's CommonJS index holds all of SSM's ~150 operations
 * in one module (~226 kB); its ES index, loaded on demand (src/composition/secrets.ts imports the
 * adapter dynamically, so a function that reads no secret never evaluates it), is kept whole too
 * (~190 kB). Only GetParameters is called: ~90 kB. Importing another name from the package fails
 * the build (add it here). The package's own imports (@smithy/*, @aws-sdk/core) resolve as for every
 * other client, so the bundles share one copy of them.
 */
const ES_MODULE_EXPORTS = {
  '@aws-sdk/client-ssm': { SSMClient: 'SSMClient.js', GetParametersCommand: 'commands/GetParametersCommand.js' },
  // Imported dynamically by src/composition/aws-clients.ts: a dynamic import keeps a whole index
  // (esbuild cannot know which names are used), so these are narrowed the same way.
  '@aws-sdk/client-sns': { SNSClient: 'SNSClient.js', PublishCommand: 'commands/PublishCommand.js' },
  '@aws-sdk/client-sfn': {
    SFNClient: 'SFNClient.js',
    DescribeExecutionCommand: 'commands/DescribeExecutionCommand.js',
    SendTaskFailureCommand: 'commands/SendTaskFailureCommand.js',
    SendTaskSuccessCommand: 'commands/SendTaskSuccessCommand.js',
    StartExecutionCommand: 'commands/StartExecutionCommand.js'
  },
  '@aws-sdk/client-sesv2': { SESv2Client: 'SESv2Client.js', SendEmailCommand: 'commands/SendEmailCommand.js' }
}

/**
 * Lambda bundles only: the AWS SDK packages (@aws-sdk/*, @smithy/*) that have an ES module build
 * (package.json `module`) but no `exports` map are bundled from that build. esbuild resolves such
 * packages for platform node by `main` (CommonJS), and a client's CommonJS index `require`s whole
 * @smithy/core and @aws-sdk/core submodules (every protocol, codec and serde: @smithy/core was
 * ~215 kB of every Lambda bundle), as do the credential providers and the HTTP handler; from ES
 * imports esbuild keeps only what is used (measured: -83 kB on a worker, -180 kB with the SNS/SFN/SES
 * clients narrowed in ES_MODULE_EXPORTS). Packages with an `exports` map (@smithy/core,
 * @aws-sdk/core, ...) already resolve to their ES build for an `import`. The server bundles keep the
 * CommonJS builds (they have no size budget).
 */
const ES_MODULE_BUILD_PACKAGES = /^@(?:aws-sdk|smithy)\/[a-z0-9-]+$/

function esModuleBuildPlugin() {
  return {
    name: 'es-module-build',
    setup(build) {
      build.onResolve({ filter: ES_MODULE_BUILD_PACKAGES }, async (args) => {
        // Resolved from the importer's folder, so that a nested copy of a package (another version) is the one used.
        const manifest = await build.resolve(`${args.path}/package.json`, { kind: args.kind, resolveDir: args.resolveDir })
        if (manifest.errors.length > 0) return undefined
        const { module, exports } = JSON.parse(await readFile(manifest.path, 'utf8'))
        if (typeof module !== 'string' || exports !== undefined) return undefined
        return { path: path.join(path.dirname(manifest.path), module) }
      })
    }
  }
}

function esModuleExportsPlugin() {
  const require = createRequire(import.meta.url)
  return {
    name: 'es-module-exports',
    setup(build) {
      for (const [packageName, exports] of Object.entries(ES_MODULE_EXPORTS)) {
        build.onResolve({ filter: new RegExp(`^${escapeRegExp(packageName)}$`) }, () => ({ path: packageName, namespace: 'es-module-exports' }))
        build.onLoad({ filter: new RegExp(`^${escapeRegExp(packageName)}$`), namespace: 'es-module-exports' }, () => {
          const manifest = require.resolve(`${packageName}/package.json`)
          const { module } = JSON.parse(readFileSync(manifest, 'utf8'))
          if (typeof module !== 'string') throw new Error(`${packageName} has no ES module build (package.json \`module\`)`)
          const esRoot = path.join(path.dirname(manifest), path.dirname(module))
          const lines = Object.entries(exports).map(([name, file]) => `export { ${name} } from ${JSON.stringify(path.join(esRoot, file))}`)
          return { contents: `${lines.join('\n')}\n`, loader: 'js', resolveDir: esRoot }
        })
      }
    }
  }
}

/**
 * The API bundle only: packages that CommonJS code requires (synchronously, so esbuild cannot split
 * them into a chunk) but calls only for a rarely used route, bundled on their own as
 * dist/chunks/<name>.cjs and required from there on the first use of one of their exports. `yaml`
 * (~120 kB minified): @fastify/swagger and @fastify/swagger-ui load it when registered, for
 * GET /docs/yaml only. Every `require` of the package gets a stand-in whose property reads load the
 * real module (and, from then on, reads from it): code that reads an export at load time gets it
 * loaded then, correct if not lazy.
 */
const LAZILY_REQUIRED = ['yaml']

function lazilyRequiredPlugin() {
  const names = new RegExp(`^(?:${LAZILY_REQUIRED.map(escapeRegExp).join('|')})$`)
  return {
    name: 'lazily-required',
    setup(build) {
      build.onResolve({ filter: names }, (args) => ({ path: args.path, namespace: 'lazily-required' }))
      build.onLoad({ filter: /.*/, namespace: 'lazily-required' }, (args) => ({
        // `require` and `__dirname` are the banner's: the folder of the file holding this code, dist/
        // (the entry point) or dist/chunks/ (a chunk).
        contents: [
          "const path = require('node:path')",
          'let loaded',
          `const load = () => (loaded ??= require(path.join(path.basename(__dirname) === ${JSON.stringify(CHUNKS_DIR)} ? __dirname : path.join(__dirname, ${JSON.stringify(CHUNKS_DIR)}), ${JSON.stringify(`${args.path}.cjs`)})))`,
          'module.exports = new Proxy({}, {',
          '  get: (_target, key) => load()[key],',
          '  has: (_target, key) => key in load(),',
          '  ownKeys: () => Reflect.ownKeys(load()),',
          '  getOwnPropertyDescriptor: (_target, key) => ({ ...Reflect.getOwnPropertyDescriptor(load(), key), configurable: true })',
          '})',
          ''
        ].join('\n'),
        loader: 'js',
        resolveDir: root
      }))
    }
  }
}

/** Builds dist/chunks/<name>.cjs for each LAZILY_REQUIRED package: CommonJS, minified, self-contained. */
function lazilyRequiredBuild(outdir) {
  return esbuild.build({
    entryPoints: Object.fromEntries(LAZILY_REQUIRED.map((name) => [`${CHUNKS_DIR}/${name}`, createRequire(import.meta.url).resolve(name)])),
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    minify: true,
    sourcemap: true,
    metafile: true,
    logLevel: 'warning',
    legalComments: 'linked',
    outExtension: { '.js': '.cjs' },
    outdir
  })
}

/**
 * The API bundle only: its routes' validators and serializers compiled at build time (Ajv and
 * fast-json-stringify standalone code, by scripts/compile-schemas.ts from the app's real routes), so
 * the first invocation compiles no schema. The generated module takes the place of
 * src/plugins/precompiled-schemas.ts (empty there: tests and the server compile at startup), and the
 * compilers it makes unnecessary are replaced by stubs that throw, so that neither Ajv nor
 * fast-json-stringify's compiler is bundled: src/plugins/runtime-schema-compilers.ts (our fallback for
 * a route with no compiled entry, which the generated set from the same routes never lacks) and
 * Fastify's default compilers (required only when no factory is given; ours always is).
 */
function buildTimeSchemasPlugin(precompiledModule) {
  const throwing = (what) =>
    `function missing(route) { throw new Error(${JSON.stringify(`${what} is not in this bundle: no build-time compiled schema for `)} + JSON.stringify([route.method, route.url, route.httpPart ?? route.httpStatus]) + '; rebuild it with scripts/build.mjs') }\n`
  return {
    name: 'build-time-schemas',
    setup(build) {
      // A CommonJS module (the generated code is), so in a namespace of its own: under src/ it would be
      // taken for an ES module (package.json `type`).
      build.onResolve({ filter: /^\.\/precompiled-schemas$/ }, (args) =>
        args.importer.endsWith(path.join('src', 'plugins', 'schema-compilers.ts')) ? { path: 'precompiled-schemas.cjs', namespace: 'build-time-schemas' } : undefined
      )
      build.onLoad({ filter: /^precompiled-schemas\.cjs$/, namespace: 'build-time-schemas' }, () => ({ contents: precompiledModule, loader: 'js', resolveDir: root }))
      build.onLoad({ filter: /[\\/]src[\\/]plugins[\\/]runtime-schema-compilers\.ts$/ }, () => ({
        contents: `${throwing('The schema compiler')}export const runtimeSchemaCompilers = { buildValidator: () => missing, buildSerializer: () => missing }\n`,
        loader: 'js'
      }))
      build.onResolve({ filter: /^@fastify\/(ajv-compiler|fast-json-stringify-compiler)$/ }, (args) => ({ path: args.path, namespace: 'build-time-schemas' }))
      build.onLoad({ filter: /^@fastify\//, namespace: 'build-time-schemas' }, (args) => ({
        contents: `${throwing(args.path)}module.exports = () => () => missing\n`,
        loader: 'js'
      }))
    }
  }
}

/** Runs scripts/compile-schemas.ts (TypeScript, through tsx) and returns the module it generates. */
async function compileRouteSchemas() {
  const folder = await mkdtemp(path.join(tmpdir(), 'compiled-schemas-'))
  try {
    const output = path.join(folder, 'precompiled-schemas.cjs')
    await promisify(execFile)(process.execPath, ['--import', 'tsx', path.join(root, 'scripts', 'compile-schemas.ts'), output], { cwd: root })
    return await readFile(output, 'utf8')
  } finally {
    await rm(folder, { recursive: true, force: true })
  }
}

function escapeRegExp(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

async function copyRuntimeAssets(outdir) {
  for (const [packageName, folders] of Object.entries(runtimeAssets)) {
    for (const folder of folders) {
      await cp(path.join(root, 'node_modules', packageName, folder), path.join(outdir, 'assets', packageName, folder), {
        recursive: true
      })
    }
  }
}

/** Workers are the files in src/workers/ that export a `handler`; the others are shared helpers. */
export async function workerEntries() {
  const folder = path.join(root, 'src', 'workers')
  const files = await readdir(folder).catch((error) => (error.code === 'ENOENT' ? [] : Promise.reject(error)))
  const entries = {}
  for (const file of files.sort()) {
    if (!file.endsWith('.ts') || file.endsWith('.d.ts') || file.endsWith('.test.ts')) continue
    const source = await readFile(path.join(folder, file), 'utf8')
    if (!exportsHandler(source)) continue
    entries[`workers/${file.slice(0, -'.ts'.length)}`] = path.join(folder, file)
  }
  return entries
}

function exportsHandler(source) {
  return (
    /^export\s+(?:const|let|var|(?:async\s+)?function\*?)\s+handler\b/m.test(source) ||
    /^export\s*\{[^}]*\bhandler\b[^}]*\}/m.test(source)
  )
}

const common = {
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  banner: { js: banner },
  metafile: true,
  logLevel: 'warning',
  // Licence notices of bundled packages go to <bundle>.LEGAL.txt beside each bundle.
  legalComments: 'linked',
  plugins: [runtimeAssetsPlugin(), esModuleExportsPlugin()]
}

/**
 * The options of every Lambda bundle (entry points and outdir aside): minified for cold starts, but
 * keeping function and class names (logged error types, `constructor.name` checks). Exported so the
 * benchmark's baseline Lambda (bench/baseline/build.mjs) is bundled exactly the same way.
 */
export const lambdaBundleOptions = {
  ...common,
  minify: true,
  keepNames: true,
  // .mjs: deployed as dist/ (template.yaml's CodeUri) without a package.json, Lambda's Node.js
  // runtime knows these are ES modules only by their extension.
  outExtension: { '.js': '.mjs' },
  // Code reached only through a dynamic import (Stripe, the docs UI, the SNS/SFN/SES/SSM clients, the
  // SDK's credential providers other than the environment's) goes to chunks in dist/chunks/, loaded
  // when first needed instead of parsed at every cold start. Code an entry point shares with such a
  // chunk lands in a chunk that both import statically: what a cold start loads is the entry file and
  // those chunks (lambdaFootprints below, reported by the platform benchmark and checked against the
  // size budgets by test/repo/bundles.test.ts). Each entry point is built on its own (build()), so
  // identical chunks of several entries are separate files (dist/chunks/ ~3 MB in all).
  // bench/baseline/build.mjs bundles the baseline Lambda with these options too.
  splitting: true,
  chunkNames: `${CHUNKS_DIR}/[name]-[hash]`,
  plugins: [...common.plugins, browserOnlyStubsPlugin(), esModuleBuildPlugin()]
}

/**
 * Builds every bundle into dist/ (emptied first) and writes dist/meta.json, the combined esbuild
 * metafile (inspect it with esbuild's bundle analyzer). Returns the bundles' sizes. `outdir`
 * builds elsewhere instead (test/repo/bundles.test.ts, so it never disturbs a dist/ in use).
 */
export async function build({ quiet = false, outdir = distDir } = {}) {
  await rm(outdir, { recursive: true, force: true })
  await mkdir(outdir, { recursive: true })
  // The server is not minified, for readable stack traces; Lambda bundles are (lambdaBundleOptions).
  const precompiledSchemas = compileRouteSchemas()
  const builds = [
    // bcrypt-worker: the worker-thread file of src/adapters/crypto/bcrypt-worker-pool.ts, which looks
    // for it beside the bundle that runs it (dist/bcrypt-worker.js for the server, .mjs for Lambda).
    { ...common, entryPoints: { server: path.join(root, 'src', 'server.ts'), 'local-server': path.join(root, 'src', 'local', 'server.ts'), 'bcrypt-worker': bcryptWorker }, minify: false },
    { ...lambdaBundleOptions, entryPoints: { 'bcrypt-worker': bcryptWorker } },
    // One build per worker. Built together, esbuild would move the code they share into chunks they
    // share, each holding the union of what its importers use: every worker would load more (measured:
    // +18 to +54 kB each) from more files, and its entry file would be a few lines of imports.
    ...Object.entries(await workerEntries()).map(([name, entry]) => ({ ...lambdaBundleOptions, entryPoints: { [name]: entry } }))
  ]
  const lambdaBuild = precompiledSchemas.then((module) =>
    esbuild.build({
      ...lambdaBundleOptions,
      entryPoints: { lambda: path.join(root, 'src', 'lambda.ts') },
      plugins: [...lambdaBundleOptions.plugins, buildTimeSchemasPlugin(module), lazilyRequiredPlugin()],
      outdir
    })
  )
  const results = await Promise.all([...builds.map((options) => esbuild.build({ ...options, outdir })), lambdaBuild, lazilyRequiredBuild(outdir)])
  const metafile = { inputs: {}, outputs: {} }
  for (const result of results) {
    Object.assign(metafile.inputs, result.metafile.inputs)
    Object.assign(metafile.outputs, result.metafile.outputs)
  }
  await writeFile(path.join(outdir, 'meta.json'), `${JSON.stringify(metafile, null, 2)}\n`)
  await copyRuntimeAssets(outdir)
  const sizes = await bundleSizes(outdir)
  if (!quiet) printSizes(sizes)
  return sizes
}

/** Size in bytes, raw and gzipped, of every bundle (dist/**.js, not source maps) — sorted by name. */
export async function bundleSizes(dir = distDir) {
  const files = (await readdir(dir, { recursive: true }))
    .filter((file) => /\.[cm]?js$/.test(file) && !file.startsWith(`assets${path.sep}`))
    .sort()
  return Promise.all(
    files.map(async (file) => {
      const content = await readFile(path.join(dir, file))
      return { file: file.split(path.sep).join('/'), bytes: content.length, gzipBytes: gzipSync(content).length }
    })
  )
}

/**
 * What each Lambda entry point (dist/lambda.mjs, dist/workers/*.mjs; `entries` to choose others)
 * loads, from an esbuild metafile (dist/meta.json by default) of bundles built into `dir`:
 * - `entryBytes`: the entry file alone;
 * - `startBytes`/`startFiles`: the entry and the chunks it imports statically (code it shares with a
 *   chunk it imports dynamically lands in a chunk of both): what importing it loads, the cold start's
 *   share, and what the size budgets are checked against;
 * - `totalBytes`/`totalFiles`: that and every chunk it can load later (dynamic imports, transitively,
 *   and the LAZILY_REQUIRED side bundles its code requires on first use).
 * Bytes on disk, source maps not counted; paths relative to `dir`, with `/`. `startInputs` and
 * `inputs`: the metafile inputs (source files, packages' modules) those two sets of files hold.
 */
export async function lambdaFootprints({ dir = distDir, metafile, entries } = {}) {
  const meta = metafile ?? JSON.parse(await readFile(path.join(dir, 'meta.json'), 'utf8'))
  // Metafile paths are relative to the working directory of the build.
  const fileOf = (output) => path.relative(dir, path.resolve(output)).split(path.sep).join('/')
  const outputs = new Map(Object.entries(meta.outputs).map(([output, value]) => [fileOf(output), value]))
  const isEntry = entries ? (file) => entries.includes(file) : (file) => file === 'lambda.mjs' || /^workers\/[^/]+\.mjs$/.test(file)
  const sizeOf = async (file) => (await stat(path.join(dir, file))).size
  const footprints = []
  for (const file of [...outputs.keys()].filter(isEntry).sort()) {
    const reach = (kinds) => {
      const seen = new Set([file])
      const pending = [file]
      while (pending.length > 0) {
        const output = outputs.get(pending.pop())
        for (const { path: imported, kind, external } of output?.imports ?? []) {
          const next = fileOf(imported)
          if (external || !kinds.includes(kind) || !outputs.has(next) || seen.has(next)) continue
          seen.add(next)
          pending.push(next)
        }
      }
      return seen
    }
    const start = reach(['import-statement'])
    const all = reach(['import-statement', 'dynamic-import'])
    for (const output of [...all]) {
      for (const input of Object.keys(outputs.get(output)?.inputs ?? {})) {
        if (input.startsWith('lazily-required:')) all.add(`${CHUNKS_DIR}/${input.slice('lazily-required:'.length)}.cjs`)
      }
    }
    const total = async (files) => (await Promise.all([...files].map(sizeOf))).reduce((sum, bytes) => sum + bytes, 0)
    const inputsOf = (files) => [...new Set([...files].flatMap((output) => Object.keys(outputs.get(output)?.inputs ?? {})))].sort()
    footprints.push({
      file,
      entryBytes: await sizeOf(file),
      startBytes: await total(start),
      startFiles: start.size,
      totalBytes: await total(all),
      totalFiles: all.size,
      startInputs: inputsOf(start),
      inputs: inputsOf(all)
    })
  }
  return footprints
}

function printSizes(sizes) {
  const kib = (bytes) => `${(bytes / 1024).toFixed(1)} KiB`
  const width = Math.max(...sizes.map(({ file }) => file.length))
  for (const { file, bytes, gzipBytes } of sizes) {
    console.log(`dist/${file.padEnd(width)}  ${kib(bytes).padStart(10)}  (gzip ${kib(gzipBytes)})`)
  }
}

/**
 * The newest modification time (ms) of the sources, dependencies and this script: dist/ built
 * before it is stale. template.yaml and statemachine/ are read at run time, but count as sources.
 */
export async function newestSourceMtime() {
  const inputs = ['src', 'template.yaml', 'statemachine', 'package-lock.json', 'scripts/build.mjs', 'scripts/compile-schemas.ts', 'scripts/openapi-document.ts']
  let newest = 0
  for (const input of inputs) {
    const target = path.join(root, input)
    const info = await stat(target).catch(() => undefined)
    if (!info) continue
    newest = Math.max(newest, info.mtimeMs)
    if (!info.isDirectory()) continue
    for (const file of await readdir(target, { recursive: true })) {
      newest = Math.max(newest, (await stat(path.join(target, file))).mtimeMs)
    }
  }
  return newest
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  build().catch((error) => {
    // esbuild has already printed its diagnostics; anything else is shown here.
    if (!error.errors) console.error(error)
    process.exitCode = 1
  })
}
