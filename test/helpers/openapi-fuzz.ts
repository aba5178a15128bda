// Request generators for test/http/fuzz.test.ts: fast-check arbitraries derived from the committed OpenAPI
// document (the subset of JSON Schema our routes use), mixed with hostile values that no schema
// suggests (whitespace-only and very long strings, numbers past their bounds, wrong types, `__proto__`
// and huge keys, deep nesting). Bodies are generated as value trees and written as JSON text here, so
// what goes on the wire is exactly what was generated: a `__proto__` key stays an own property, a
// 10,000-level nesting or an out-of-range number literal is written as is (RawJson), and a value known
// only when the request runs (a fresh refresh token) is filled in then (Placeholder).
import fc from 'fast-check'

export interface Schema {
  type?: string
  properties?: Record<string, Schema>
  required?: string[]
  additionalProperties?: boolean | Schema
  minProperties?: number
  items?: Schema
  minItems?: number
  maxItems?: number
  minLength?: number
  maxLength?: number
  pattern?: string
  format?: string
  enum?: unknown[]
  anyOf?: Schema[]
  minimum?: number
  maximum?: number
  $ref?: string
}

export interface Parameter {
  in: 'path' | 'query' | 'header'
  name: string
  required?: boolean
  schema: Schema
}

export interface Operation {
  parameters?: Parameter[]
  requestBody?: { content: Record<string, { schema: Schema }>; required?: boolean }
  responses: Record<string, unknown>
  security?: unknown[]
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>
  components?: { schemas?: Record<string, Schema> }
}

/** JSON text written verbatim (deep nesting, number literals JSON.stringify cannot produce). */
export class RawJson {
  constructor(readonly text: string) {}
}

/** A value filled in when the request runs (e.g. a refresh token that must be fresh). */
export class Placeholder {
  constructor(readonly name: string) {}
}

/** Writes a generated value tree as JSON text; placeholders are resolved by `resolve`. */
export function toJsonText(value: unknown, resolve: (name: string) => unknown): string {
  if (value instanceof RawJson) return value.text
  if (value instanceof Placeholder) return toJsonText(resolve(value.name), resolve)
  if (Array.isArray(value)) return `[${value.map((entry) => toJsonText(entry, resolve)).join(',')}]`
  if (value !== null && typeof value === 'object') {
    return `{${Object.keys(value)
      .map((key) => `${JSON.stringify(key)}:${toJsonText((value as Record<string, unknown>)[key], resolve)}`)
      .join(',')}}`
  }
  return JSON.stringify(value) ?? 'null'
}

/** An object from entries, each an own enumerable property (so `__proto__` is a key, not the prototype). */
export function objectOf(entries: Array<[string, unknown]>): Record<string, unknown> {
  const object: Record<string, unknown> = {}
  for (const [key, value] of entries) Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true })
  return object
}

const nested = (depth: number) => new RawJson(`${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`)
const nestedArrays = (depth: number) => new RawJson(`${'['.repeat(depth)}${']'.repeat(depth)}`)

/** Deep nesting, from what a recursive validator handles to what overflows a recursive function. */
export const deepValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(40, 1_000, 10_000).map(nested),
  fc.constantFrom(40, 10_000).map(nestedArrays)
)

const WHITESPACE = [' ', '\t', '\n', '\u00a0', '\u3000', '\u2003', '\ufeff', ' \t\u00a0\u3000 ']

/** Strings that break naive code: whitespace only, control and odd unicode, injections, long. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
  { weight: 2, arbitrary: fc.constantFrom(...WHITESPACE) },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      '',
      '\u0000',
      '\ud800',
      '\u202e\u0645\u0631\u062d\u0628\u0627',
      '👩‍👩‍👧‍👦🏳️‍🌈',
      'Z\u0351\u0334\u0353a\u0336\u0359l\u0335g\u0338o',
      '%',
      '%zz',
      '../../../etc/passwd',
      "' OR '1'='1",
      '<script>alert(1)</script>',
      '${jndi:ldap://x}',
      '{{7*7}}',
      'null',
      'undefined',
      'true',
      '-1',
      '1e309',
      'NaN',
      '__proto__',
      'constructor',
      'toString'
    )
  },
  { weight: 1, arbitrary: fc.constantFrom(300, 5_000, 70_000).map((length) => 'a'.repeat(length)) }
)

/** Numbers at and past every bound JSON can carry. */
export const hostileNumber: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(0, -0, -1, 1, 0.5, -0.5, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER + 2, -Number.MAX_SAFE_INTEGER - 2, 1e308, -1e308, 5e-324),
  fc.constantFrom('1e400', '-1e400', '123456789012345678901234567890', '1.0', '-0.0', '1E2').map((text) => new RawJson(text)),
  fc.double({ noNaN: true, noDefaultInfinity: true })
)

/** Keys that a store, a prototype or a validator may choke on. */
export const hostileKey: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '', ' ', '$where', 'a.b', '\u0000', '😀'),
  fc.constantFrom(1_000, 70_000).map((length) => 'k'.repeat(length)),
  fc.string({ unit: 'grapheme', maxLength: 12 })
)

/** Arbitrary JSON, including hostile keys, strings, numbers and nesting. */
export const anyJson: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    hostileNumber,
    hostileString,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.array(fc.tuple(hostileKey, tie('value')), { maxLength: 4 }).map(objectOf),
    deepValue
  )
})).value

/** A value of any type, mostly not the one a schema asks for. */
export const wrongValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, true, false, [], {}, ''),
  hostileString,
  hostileNumber,
  anyJson
)

export interface GeneratorContext {
  document: OpenApiDocument
  /** Values to mix in for properties and parameters of this name (real ids, real tokens, emails). */
  hints: Record<string, fc.Arbitrary<unknown>>
}

function resolveRef(schema: Schema, context: GeneratorContext): Schema {
  if (!schema.$ref) return schema
  const name = schema.$ref.split('/').pop() as string
  const target = context.document.components?.schemas?.[name]
  if (!target) throw new Error(`unresolved $ref ${schema.$ref}`)
  return resolveRef(target, context)
}

/** Mostly values the schema accepts or nearly does, sometimes a wrong one, and the named hint if any. */
export function validish(rawSchema: Schema, context: GeneratorContext, name?: string): fc.Arbitrary<unknown> {
  const hint = name === undefined ? undefined : context.hints[name]
  const options: Array<fc.WeightedArbitrary<unknown>> = [
    { weight: 6, arbitrary: typed(resolveRef(rawSchema, context), context) },
    { weight: 1, arbitrary: wrongValue }
  ]
  if (hint) options.push({ weight: 4, arbitrary: hint })
  return fc.oneof(...options)
}

function typed(schema: Schema, context: GeneratorContext): fc.Arbitrary<unknown> {
  if (schema.anyOf) return fc.oneof(...schema.anyOf.map((option) => typed(resolveRef(option, context), context)))
  if (schema.enum) return fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...schema.enum) }, { weight: 1, arbitrary: hostileString })
  switch (schema.type) {
    case 'object':
      return objectArbitrary(schema, context)
    case 'array':
      return arrayArbitrary(schema, context)
    case 'string':
      return stringArbitrary(schema)
    case 'integer':
    case 'number':
      return numberArbitrary(schema)
    case 'boolean':
      return fc.boolean()
    default:
      return anyJson
  }
}

/** Unknown properties: a few, with hostile keys or values (deep nesting included). */
const extraEntries = fc.array(fc.tuple(hostileKey, fc.oneof(anyJson, deepValue)), { minLength: 1, maxLength: 3 })

/** The object with one to three unknown properties added. */
export function withExtras(object: fc.Arbitrary<Record<string, unknown>>): fc.Arbitrary<Record<string, unknown>> {
  return fc.tuple(object, extraEntries).map(([base, extra]) => objectOf([...Object.entries(base), ...extra]))
}

function objectArbitrary(schema: Schema, context: GeneratorContext): fc.Arbitrary<unknown> {
  // Valid as far as hints make it (real ids, a real address), plus unknown properties: what gets past
  // validation to the services and the store, where unknown fields are dangerous.
  const validEntries = Object.entries(schema.properties ?? {})
    .filter(([key]) => (schema.required ?? []).includes(key) || context.hints[key] !== undefined)
    .map(([key, propertySchema]) => (context.hints[key] ?? typed(resolveRef(propertySchema, context), context)).map((value): [string, unknown] => [key, value]))
  return fc.oneof(
    { weight: 3, arbitrary: mixedObjectArbitrary(schema, context) },
    { weight: 2, arbitrary: withExtras(fc.tuple(...validEntries).map(objectOf)) }
  )
}

function mixedObjectArbitrary(schema: Schema, context: GeneratorContext): fc.Arbitrary<unknown> {
  const required = new Set(schema.required ?? [])
  const properties = Object.entries(schema.properties ?? {}).map(([key, propertySchema]) =>
    fc
      .tuple(
        // A required property is usually there, an optional one half the time.
        required.has(key) ? fc.oneof({ weight: 9, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }) : fc.boolean(),
        validish(propertySchema, context, key)
      )
      .map(([present, value]): Array<[string, unknown]> => (present ? [[key, value]] : []))
  )
  // Unknown properties: none most of the time, else a few with hostile keys or deep values.
  const extras = fc.oneof(
    { weight: 4, arbitrary: fc.constant<Array<[string, unknown]>>([]) },
    { weight: 1, arbitrary: extraEntries }
  )
  return fc.tuple(fc.tuple(...properties), extras).map(([chosen, extra]) => objectOf([...chosen.flat(), ...extra]))
}

function arrayArbitrary(schema: Schema, context: GeneratorContext): fc.Arbitrary<unknown> {
  const item = validish(schema.items ?? {}, context)
  const min = schema.minItems ?? 0
  const max = schema.maxItems ?? 10
  return fc.oneof(
    { weight: 6, arbitrary: fc.array(item, { minLength: Math.min(min, 3), maxLength: Math.min(max, min + 3) }) },
    { weight: 1, arbitrary: fc.constant([]) },
    // One past the limit (the same item repeated: the size is the point).
    { weight: 1, arbitrary: item.map((value) => Array.from({ length: max + 1 }, () => value)) }
  )
}

/** Strings for a schema: matching its pattern where it has one, at and past its length bounds, padded, hostile. */
export function stringArbitrary(schema: Schema): fc.Arbitrary<string> {
  const min = schema.minLength ?? 0
  const max = schema.maxLength ?? 100
  const options: Array<fc.WeightedArbitrary<string>> = [
    { weight: 4, arbitrary: fc.string({ unit: 'grapheme', minLength: min, maxLength: Math.max(min, Math.min(max, 30)) }) },
    { weight: 1, arbitrary: fc.constantFrom(...new Set(['x'.repeat(min), 'x'.repeat(max), 'x'.repeat(max + 1)])) },
    { weight: 2, arbitrary: hostileString },
    // Whitespace only: passes minLength and most patterns, then trims to nothing.
    { weight: 1, arbitrary: fc.constantFrom(...WHITESPACE) }
  ]
  if (schema.pattern && schema.pattern !== '\\S') {
    const matching = fc.stringMatching(new RegExp(schema.pattern)).filter((value) => value.length >= min && value.length <= max)
    options.push({ weight: 6, arbitrary: matching })
    // Surrounded by whitespace that trimming would remove (and a pattern may or may not allow).
    options.push({ weight: 2, arbitrary: fc.tuple(fc.constantFrom(...WHITESPACE), matching).map(([space, value]) => `${space}${value}${space}`) })
  }
  if (schema.format === 'uuid') options.push({ weight: 4, arbitrary: fc.uuid() })
  return fc.oneof(...options)
}

function numberArbitrary(schema: Schema): fc.Arbitrary<unknown> {
  const min = schema.minimum ?? -1_000_000
  const max = schema.maximum ?? 1_000_000_000
  return fc.oneof(
    { weight: 4, arbitrary: fc.integer({ min, max }) },
    { weight: 3, arbitrary: fc.constantFrom(min, max, min - 1, max + 1, min + 0.5) },
    { weight: 1, arbitrary: hostileNumber },
    { weight: 1, arbitrary: fc.integer({ min, max }).map(String) }
  )
}

/** Printable for a failure report: long strings cut to a prefix with their length. */
export function shorten(text: string, limit = 400): string {
  return text.length <= limit ? text : `${text.slice(0, limit)}… (${text.length} chars)`
}
