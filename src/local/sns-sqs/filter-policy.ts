// SNS subscription filter policies, evaluated the way SNS documents them, for the embedded runtime's
// bus. Message attributes are seen as SNS sees them (String → string, Number → number, String.Array →
// its elements; Binary ignored), so one matcher serves both scopes: MessageAttributes (flat) and
// MessageBody (nested, over the JSON body). Every key must match (AND); within a key any condition may
// match (OR); a key that is absent matches only `exists: false`. A policy SNS would reject, or an
// operator not emulated here, throws at startup instead of filtering differently from AWS.
import type { MessageAttributeValue } from '@aws-sdk/client-sns'

export type FilterPolicyScope = 'MessageAttributes' | 'MessageBody'

export interface FilterableMessage {
  message: string
  attributes?: Record<string, MessageAttributeValue>
}

export type MessageFilter = (message: FilterableMessage) => boolean

type Document = Record<string, unknown>
type DocumentTest = (document: Document) => boolean
type Condition = { exists: boolean } | { test: (value: unknown) => boolean }

export class FilterPolicyError extends Error {
  constructor(path: string, detail: string) {
    super(`Invalid filter policy at ${path || '(root)'}: ${detail}`)
    this.name = 'FilterPolicyError'
  }
}

/** Compiles a subscription's FilterPolicy (object or JSON text) for the given scope. */
export function compileFilterPolicy(policy: unknown, scope: FilterPolicyScope = 'MessageAttributes'): MessageFilter {
  const parsed = typeof policy === 'string' ? JSON.parse(policy) : policy
  const test = compileObject(asObject(parsed, ''), '', scope === 'MessageBody')
  if (scope === 'MessageBody') {
    return ({ message }) => {
      const body = parseBody(message)
      return body !== undefined && test(body)
    }
  }
  return ({ attributes }) => test(attributeDocument(attributes ?? {}))
}

function compileObject(policy: Document, path: string, nested: boolean): DocumentTest {
  const tests = Object.entries(policy).map(([key, value]): DocumentTest => {
    const at = path ? `${path}.${key}` : key
    if (key === '$or') {
      if (!Array.isArray(value) || value.length < 2) throw new FilterPolicyError(at, '$or takes an array of at least two policies')
      const alternatives = value.map((item, index) => compileObject(asObject(item, `${at}[${index}]`), path, nested))
      return (document) => alternatives.some((alternative) => alternative(document))
    }
    if (Array.isArray(value)) {
      const matches = compileConditions(value, at)
      return (document) => matches(document[key])
    }
    if (isObject(value)) {
      if (!nested) throw new FilterPolicyError(at, 'nested policies apply only with FilterPolicyScope MessageBody')
      const inner = compileObject(value, at, nested)
      return (document) => {
        const child = document[key]
        return Array.isArray(child) ? child.some((item) => inner(isObject(item) ? item : {})) : inner(isObject(child) ? child : {})
      }
    }
    throw new FilterPolicyError(at, 'values must be arrays of conditions')
  })
  return (document) => tests.every((test) => test(document))
}

/** The conditions of one key: matches when any condition matches any of the key's values. */
function compileConditions(conditions: unknown[], path: string): (value: unknown) => boolean {
  if (conditions.length === 0) throw new FilterPolicyError(path, 'empty list of conditions')
  const compiled = conditions.map((condition) => compileCondition(condition, path))
  return (value) => {
    const values = value === undefined ? [] : Array.isArray(value) ? value : [value]
    const present = values.length > 0
    return compiled.some((condition) =>
      'exists' in condition ? condition.exists === present : values.some((item) => condition.test(item))
    )
  }
}

function compileCondition(condition: unknown, path: string): Condition {
  if (condition === null || typeof condition === 'string' || typeof condition === 'number' || typeof condition === 'boolean') {
    return { test: (value) => value === condition }
  }
  const [operator, operand, ...rest] = isObject(condition) ? Object.entries(condition).flat() : []
  if (typeof operator !== 'string' || rest.length > 0) throw new FilterPolicyError(path, `bad condition ${JSON.stringify(condition)}`)
  switch (operator) {
    case 'exists':
      if (typeof operand !== 'boolean') throw new FilterPolicyError(path, 'exists takes true or false')
      return { exists: operand }
    case 'prefix':
    case 'suffix':
      return { test: affixTest(operator, operand, path) }
    case 'equals-ignore-case': {
      const expected = stringOperand(operand, operator, path).toLowerCase()
      return { test: (value) => typeof value === 'string' && value.toLowerCase() === expected }
    }
    case 'anything-but':
      return { test: anythingButTest(operand, path) }
    case 'numeric':
      return { test: numericTest(operand, path) }
    default:
      throw new FilterPolicyError(path, `the ${operator} operator is not emulated by the embedded runtime`)
  }
}

function affixTest(operator: 'prefix' | 'suffix', operand: unknown, path: string): (value: unknown) => boolean {
  const ignoreCase = isObject(operand) && 'equals-ignore-case' in operand
  const raw = stringOperand(ignoreCase ? (operand as Document)['equals-ignore-case'] : operand, operator, path)
  const affix = ignoreCase ? raw.toLowerCase() : raw
  return (value) => {
    if (typeof value !== 'string') return false
    const subject = ignoreCase ? value.toLowerCase() : value
    return operator === 'prefix' ? subject.startsWith(affix) : subject.endsWith(affix)
  }
}

/** Matches present values that are none of the operand's; `{prefix}`/`{suffix}` negate those. */
function anythingButTest(operand: unknown, path: string): (value: unknown) => boolean {
  if (isObject(operand)) {
    const [operator, inner] = Object.entries(operand)[0] ?? []
    if (Object.keys(operand).length !== 1 || (operator !== 'prefix' && operator !== 'suffix')) {
      throw new FilterPolicyError(path, 'anything-but takes a value, a list of values, {prefix} or {suffix}')
    }
    const affix = affixTest(operator, inner, path)
    return (value) => typeof value === 'string' && !affix(value)
  }
  const excluded = Array.isArray(operand) ? operand : [operand]
  if (excluded.length === 0 || !excluded.every((item) => typeof item === 'string' || typeof item === 'number')) {
    throw new FilterPolicyError(path, 'anything-but takes strings or numbers')
  }
  return (value) => !excluded.includes(value as string | number)
}

const COMPARISONS: Record<string, (a: number, b: number) => boolean> = {
  '=': (a, b) => a === b,
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
  '>': (a, b) => a > b,
  '>=': (a, b) => a >= b
}

/** `["=", 5]`, `["<", 10]`, `[">", 0, "<=", 150]`: one comparison, or a lower and an upper bound. */
function numericTest(operand: unknown, path: string): (value: unknown) => boolean {
  const bad = () => new FilterPolicyError(path, `bad numeric condition ${JSON.stringify(operand)}`)
  if (!Array.isArray(operand) || (operand.length !== 2 && operand.length !== 4)) throw bad()
  const comparisons: Array<[(a: number, b: number) => boolean, number]> = []
  for (let index = 0; index < operand.length; index += 2) {
    const compare = COMPARISONS[String(operand[index])]
    const bound = operand[index + 1]
    if (!compare || typeof bound !== 'number') throw bad()
    comparisons.push([compare, bound])
  }
  if (operand.length === 4) {
    const [lower, upper] = [String(operand[0]), String(operand[2])]
    if (!lower.startsWith('>') || !upper.startsWith('<')) throw bad()
  }
  return (value) => typeof value === 'number' && comparisons.every(([compare, bound]) => compare(value, bound))
}

/** Message attributes as SNS filters them: typed values by name, Binary ones left out. */
export function attributeDocument(attributes: Record<string, MessageAttributeValue>): Document {
  const document: Document = {}
  for (const [name, attribute] of Object.entries(attributes)) {
    const type = attribute.DataType ?? ''
    const value = attribute.StringValue
    if (value === undefined) continue
    if (type === 'String.Array') {
      const items = tryParse(value)
      if (Array.isArray(items)) document[name] = items
    } else if (type.startsWith('Number')) {
      document[name] = Number(value)
    } else if (type.startsWith('String')) {
      document[name] = value
    }
  }
  return document
}

function parseBody(message: string): Document | undefined {
  const body = tryParse(message)
  return isObject(body) ? body : undefined
}

function tryParse(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

function stringOperand(operand: unknown, operator: string, path: string): string {
  if (typeof operand !== 'string') throw new FilterPolicyError(path, `${operator} takes a string`)
  return operand
}

function asObject(value: unknown, path: string): Document {
  if (!isObject(value)) throw new FilterPolicyError(path, 'a policy must be a JSON object')
  return value
}

function isObject(value: unknown): value is Document {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
