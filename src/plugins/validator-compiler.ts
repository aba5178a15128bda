// Request validation: bodies are validated strictly (no type coercion: `"3"` is not a quantity and
// `12345678` is not a password), while query strings, path params and headers, which are always
// text on the wire, are coerced to the schema's types. Plugged in as Fastify's validator factory so
// the schemas shared with `app.addSchema` reach both compilers.
import Ajv, { type ErrorObject, type Options, type ValidateFunction } from 'ajv'
import addFormats from 'ajv-formats'
import type { FastifySchemaCompiler, FastifyServerOptions } from 'fastify'

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

/** How much of an unknown property's name a message repeats: a key can be 70 KB long. */
const MAX_ECHOED_KEY = 40

function quoteKey(key: string): string {
  return JSON.stringify(key.length > MAX_ECHOED_KEY ? `${key.slice(0, MAX_ECHOED_KEY)}…` : key)
}

/**
 * Ajv's messages, made to say what is wrong where its own do not: which unknown property was sent
 * (a short prefix of its name), and that a missing body (or JSON null) is missing, not "must be object".
 */
function clarify(errors: ErrorObject[], data: unknown): ErrorObject[] {
  return errors.map((error) => {
    if (error.keyword === 'additionalProperties') {
      const key = String((error.params as { additionalProperty?: unknown }).additionalProperty)
      return { ...error, message: `must not have the unknown property ${quoteKey(key)}` }
    }
    if (error.instancePath === '' && error.keyword === 'type' && (data === undefined || data === null)) return { ...error, message: 'is required' }
    return error
  })
}

function withClearMessages(validate: ValidateFunction): ValidateFunction {
  const wrapped = ((data: unknown) => {
    const valid = validate(data)
    wrapped.errors = valid ? null : clarify(validate.errors ?? [], data)
    return valid
  }) as ValidateFunction
  return wrapped
}

function buildPartAwareValidator(sharedSchemas: Record<string, unknown> = {}): FastifySchemaCompiler<unknown> {
  const strict = createAjv({ coerceTypes: false }, sharedSchemas)
  const coercing = createAjv({ coerceTypes: 'array' }, sharedSchemas)
  return ({ schema, httpPart }) => withClearMessages((httpPart === 'body' ? strict : coercing).compile(schema as object))
}

type ValidatorFactory = NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>['buildValidator']

// Fastify calls the factory's result with `{ schema, httpPart, ... }` (a route schema compiler); its
// published type describes @fastify/ajv-compiler's own signature instead, hence the cast.
export const buildValidator = buildPartAwareValidator as unknown as ValidatorFactory
