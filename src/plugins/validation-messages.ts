// The messages of failed request validations, made to say what is wrong where Ajv's own do not. Kept
// apart from the Ajv compiler (src/plugins/validator-compiler.ts) because the build-time compiled
// validators of dist/lambda.mjs need them at run time without Ajv itself (src/plugins/schema-compilers.ts).
import type { ErrorObject, ValidateFunction } from 'ajv'

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

/** A validator (compiled now or at build time) whose errors carry the clearer messages. */
export function withClearMessages(validate: ValidateFunction): ValidateFunction {
  const wrapped = ((data: unknown) => {
    const valid = validate(data)
    wrapped.errors = valid ? null : clarify(validate.errors ?? [], data)
    return valid
  }) as ValidateFunction
  return wrapped
}
