// Build-time compiled schemas for dist/lambda.mjs: builds the app (src/app.ts, with placeholder config
// and services that are never called, as for the OpenAPI document), records the code of every route's
// validator (Ajv standalone code, from the very Ajv instances of src/plugins/validator-compiler.ts) and
// response serializer (fast-json-stringify's standalone mode, with its anyOf/if validators inlined),
// and emits one CommonJS module keyed as src/plugins/schema-compilers.ts looks them up. scripts/build.mjs
// runs this and bundles the module in place of src/plugins/precompiled-schemas.ts; nothing is committed.
// Usage: tsx scripts/compile-schemas.ts <output file>
import { StandaloneSerializer } from '@fastify/fast-json-stringify-compiler'
import type { ValidateFunction } from 'ajv'
// The file, not its folder: ESM resolution (tap's TypeScript loader's too) refuses directory imports.
import standaloneCode from 'ajv/dist/standalone/index.js'
import { writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { buildApp } from '../src/app'
import { loadConfig, type Config } from '../src/config'
import { projectRootFrom } from '../src/infra/project-root'
import { apiFunctionId, placeholderFunctionEnvironment, withPlaceholderSecrets } from '../src/local/template/placeholder-environment'
import { loadTemplate } from '../src/local/template/template'
import { createLogger } from '../src/logger'
import type { PrecompiledSchemas } from '../src/plugins/precompiled-schemas'
import { asFastifyCompilersFactory, serializerKey, validatorKey, type SchemaCompilers, type Serializer, type SerializerRoute } from '../src/plugins/schema-compilers'
import { withClearMessages } from '../src/plugins/validation-messages'
import { createPartAwareAjv } from '../src/plugins/validator-compiler'
import { uncallableServices } from './openapi-document'

const root = projectRootFrom(import.meta.url)

/** Route key → the source of one CommonJS module whose `module.exports` is the compiled function. */
export interface CompiledRouteSchemas {
  validators: Map<string, string>
  serializers: Map<string, string>
}

/** Runs generated code as a module of the project (its `require`s resolve from the project root). */
function evaluateModule(source: string): unknown {
  const module = { exports: {} as unknown }
  new Function('module', 'exports', 'require', source)(module, module.exports, createRequire(join(root, 'package.json')))
  return module.exports
}

function record(table: Map<string, string>, key: string, source: string): void {
  const previous = table.get(key)
  // Two routes with one key (same method and URL, told apart by constraints) would share a function.
  if (previous !== undefined && previous !== source) throw new Error(`two different schemas compile under one key: ${key}`)
  table.set(key, source)
}

/**
 * Compilers that record the code of each function they compile. What they return to Fastify is that
 * code run as a module, so building the app already checks that the generated code loads.
 */
function recordingCompilers(compiled: CompiledRouteSchemas): SchemaCompilers {
  return {
    buildValidator(externalSchemas) {
      const ajvFor = createPartAwareAjv(externalSchemas, { code: { source: true } })
      return (route) => {
        const ajv = ajvFor(route.httpPart)
        const source = standaloneCode(ajv, ajv.compile(route.schema as object))
        record(compiled.validators, validatorKey(route), source)
        return withClearMessages(evaluateModule(source) as ValidateFunction)
      }
    },
    buildSerializer(externalSchemas, options) {
      const factory = StandaloneSerializer({
        readMode: false,
        // Fastify passes the route's content type too (responses by media type), which the published type omits.
        storeFunction: (route, source) => record(compiled.serializers, serializerKey(route as SerializerRoute), source)
      })
      const compile = factory(externalSchemas, { ...options, inlineValidators: true })
      return (route) => {
        compile(route as Parameters<typeof compile>[0])
        return evaluateModule(compiled.serializers.get(serializerKey(route)) ?? '') as Serializer
      }
    }
  }
}

/** The API function's config from template.yaml (placeholder names and secrets; no I/O), logging nothing. */
export function placeholderApiConfig(): Config {
  const template = loadTemplate(join(root, 'template.yaml'))
  return loadConfig({ ...withPlaceholderSecrets(placeholderFunctionEnvironment(template, apiFunctionId(template))), RUNTIME_MODE: 'aws', LOG_LEVEL: 'silent' })
}

/** Every route's validators and serializers, compiled from the app as dist/lambda.mjs builds it. */
export async function compileRouteSchemas(): Promise<CompiledRouteSchemas> {
  const config = placeholderApiConfig()
  const compiled: CompiledRouteSchemas = { validators: new Map(), serializers: new Map() }
  const app = await buildApp({
    config,
    services: uncallableServices(),
    authenticate: async () => undefined,
    logger: createLogger(config),
    schemaCompilers: asFastifyCompilersFactory(recordingCompilers(compiled))
  })
  try {
    await app.ready()
  } finally {
    await app.close()
  }
  return compiled
}

/**
 * The module that replaces src/plugins/precompiled-schemas.ts: the same export, filled in. Each distinct
 * function is one factory (routes sharing a schema share it), run on first use and kept.
 */
export function formatPrecompiledModule(compiled: CompiledRouteSchemas): string {
  const factories = new Map<string, string>()
  const factoryOf = (source: string): string => {
    let name = factories.get(source)
    if (name === undefined) {
      name = `f${factories.size}`
      factories.set(source, name)
    }
    return name
  }
  const table = (entries: Map<string, string>): string =>
    [...entries.keys()]
      .sort()
      .map((key) => `    ${JSON.stringify(key)}: ${factoryOf(entries.get(key) ?? '')},`)
      .join('\n')
  const validators = table(compiled.validators)
  const serializers = table(compiled.serializers)
  const definitions = [...factories].map(
    ([source, name]) => `const ${name} = once(() => {\nconst module = { exports: {} }\nconst exports = module.exports\n${source}\nreturn module.exports\n})\n`
  )
  return [
    "'use strict'",
    '// Generated by scripts/compile-schemas.ts when dist/lambda.mjs is built; not committed, do not edit.',
    'const once = (create) => { let value; return () => (value ??= create()) }',
    ...definitions,
    'exports.precompiledSchemas = {',
    `  validators: {\n${validators}\n  },`,
    `  serializers: {\n${serializers}\n  }`,
    '}',
    ''
  ].join('\n')
}

/** The generated module's export, loaded as tests load it (the bundle gets it from esbuild instead). */
export function loadPrecompiledModule(source: string): PrecompiledSchemas {
  return (evaluateModule(source) as { precompiledSchemas: PrecompiledSchemas }).precompiledSchemas
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const output = process.argv[2]
  if (!output) throw new Error('usage: tsx scripts/compile-schemas.ts <output file>')
  await writeFile(output, formatPrecompiledModule(await compileRouteSchemas()))
}
