// Request validation: bodies are validated strictly (no type coercion: `"3"` is not a quantity and
// `12345678` is not a password), while query strings, path params and headers, which are always
// text on the wire, are coerced to the schema's types. Plugged in as Fastify's validator factory
// (through src/plugins/schema-compilers.ts) so the schemas shared with `app.addSchema` reach both
// compilers. scripts/compile-schemas.ts compiles with the same Ajv instances at build time.
import Ajv, { type Options } from 'ajv'
import addFormats from 'ajv-formats'
import type { FastifySchemaCompiler, FastifyServerOptions } from 'fastify'
import { withClearMessages } from './validation-messages'

// validateSchema off: checking our (TypeBox-generated) schemas against the JSON Schema meta-schema
// would compile that meta-schema in every instance, about 150 ms of a Lambda cold start; the
// OpenAPI document, which contains every schema, is validated in `npm test` instead.
const common: Options = { removeAdditional: false, useDefaults: true, allErrors: false, strict: false, validateSchema: false }

function createAjv(options: Options, sharedSchemas: Record<string, unknown>): Ajv {
  const ajv = new Ajv({ ...common, ...options })
  addFormats(ajv)
  for (const schema of Object.values(sharedSchemas)) ajv.addSchema(schema as object)
  return ajv
}

/**
 * The Ajv instance that compiles each part of a request: a strict one for bodies, a coercing one for
 * the rest. `extraOptions` are added to both (the build-time compiler asks for `code.source`).
 */
export function createPartAwareAjv(sharedSchemas: Record<string, unknown> = {}, extraOptions: Options = {}): (httpPart: string | undefined) => Ajv {
  const strict = createAjv({ ...extraOptions, coerceTypes: false }, sharedSchemas)
  const coercing = createAjv({ ...extraOptions, coerceTypes: 'array' }, sharedSchemas)
  return (httpPart) => (httpPart === 'body' ? strict : coercing)
}

function buildPartAwareValidator(sharedSchemas: Record<string, unknown> = {}): FastifySchemaCompiler<unknown> {
  const ajvFor = createPartAwareAjv(sharedSchemas)
  return ({ schema, httpPart }) => withClearMessages(ajvFor(httpPart).compile(schema as object))
}

type ValidatorFactory = NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>['buildValidator']

// Fastify calls the factory's result with `{ schema, httpPart, ... }` (a route schema compiler); its
// published type describes @fastify/ajv-compiler's own signature instead, hence the cast.
export const buildValidator = buildPartAwareValidator as unknown as ValidatorFactory
