// Reads template.yaml (the single source of truth for infrastructure) with CloudFormation's
// short-form intrinsic tags, and resolves intrinsics for the embedded runtime. Used only locally:
// on AWS, CloudFormation itself does this.
import { readFileSync } from 'node:fs'
import { parse, type Tags } from 'yaml'

export interface TemplateResource {
  Type: string
  Properties?: Record<string, unknown>
  Metadata?: Record<string, unknown>
  DependsOn?: string | string[]
  Condition?: string
}

export interface CloudFormationTemplate {
  Parameters?: Record<string, { Type: string; Default?: unknown; NoEcho?: boolean }>
  Globals?: { Function?: Record<string, unknown> }
  Resources: Record<string, TemplateResource>
  Outputs?: Record<string, unknown>
}

const SHORT_FORM_TAGS = [
  'Ref', 'Sub', 'GetAtt', 'Join', 'Select', 'Split', 'If', 'Equals', 'Not', 'And', 'Or', 'FindInMap',
  'ImportValue', 'Base64', 'GetAZs', 'Cidr', 'Condition', 'Transform'
]

/** `!Ref X` → `{ Ref: X }`, `!GetAtt A.B` → `{ 'Fn::GetAtt': [A, B] }`, `!Sub s` → `{ 'Fn::Sub': s }`, … */
function shortFormTags(): Tags {
  const longName = (tag: string) => (tag === 'Ref' || tag === 'Condition' ? tag : `Fn::${tag}`)
  return SHORT_FORM_TAGS.flatMap((tag) => {
    const key = longName(tag)
    const wrap = (value: unknown) => {
      if (tag === 'GetAtt' && typeof value === 'string') {
        const dot = value.indexOf('.')
        return { [key]: [value.slice(0, dot), value.slice(dot + 1)] }
      }
      return { [key]: value }
    }
    return (['scalar', 'seq', 'map'] as const).map((collection) => ({
      tag: `!${tag}`,
      collection: collection === 'scalar' ? undefined : collection,
      resolve: (value: unknown) => wrap(value instanceof Object && 'toJSON' in value ? (value as { toJSON(): unknown }).toJSON() : value)
    }))
  }) as Tags
}

export function parseTemplate(text: string): CloudFormationTemplate {
  const template = parse(text, { customTags: shortFormTags(), merge: true }) as CloudFormationTemplate
  if (!template || typeof template !== 'object' || !template.Resources) {
    throw new Error('template has no Resources section')
  }
  return template
}

export function loadTemplate(path: string): CloudFormationTemplate {
  return parseTemplate(readFileSync(path, 'utf8'))
}

export function resourcesOfType(template: CloudFormationTemplate, type: string): Array<[string, TemplateResource]> {
  return Object.entries(template.Resources).filter(([, resource]) => resource.Type === type)
}

/** What a Ref, GetAtt or ${...} names in the local world. Returns undefined for unknown names. */
export interface IntrinsicContext {
  ref(logicalId: string): string | undefined
  getAtt(logicalId: string, attribute: string): string | undefined
}

/**
 * Resolves Ref, Fn::GetAtt, Fn::Sub, Fn::Join and Fn::Select in `value` against `context`.
 * Throws on an intrinsic it cannot resolve, naming it, rather than guessing.
 */
export function resolveIntrinsics(value: unknown, context: IntrinsicContext): unknown {
  if (Array.isArray(value)) return value.map((item) => resolveIntrinsics(item, context))
  if (!value || typeof value !== 'object') return value
  const entries = Object.entries(value)
  const [first] = entries
  if (entries.length === 1 && first) {
    const [key, argument] = first
    const resolved = resolveOne(key, argument, context)
    if (resolved !== NOT_INTRINSIC) return resolved
  }
  return Object.fromEntries(entries.map(([key, item]) => [key, resolveIntrinsics(item, context)]))
}

const NOT_INTRINSIC = Symbol('not an intrinsic')

function resolveOne(key: string, argument: unknown, context: IntrinsicContext): unknown {
  const required = (result: string | undefined, what: string) => {
    if (result === undefined) throw new Error(`template: cannot resolve ${what} locally`)
    return result
  }
  switch (key) {
    case 'Ref':
      return required(context.ref(String(argument)), `!Ref ${String(argument)}`)
    case 'Fn::GetAtt': {
      const [id, attribute] = argument as [string, string]
      return required(context.getAtt(id, attribute), `!GetAtt ${id}.${attribute}`)
    }
    case 'Fn::Sub': {
      const [text, variables] = Array.isArray(argument) ? (argument as [string, Record<string, unknown>]) : [String(argument), {}]
      const local = resolveIntrinsics(variables, context) as Record<string, string>
      return text.replace(/\$\{([^}!]+)\}/g, (_match, name: string) => {
        if (name in local) return String(local[name])
        const dot = name.indexOf('.')
        return dot > 0
          ? required(context.getAtt(name.slice(0, dot), name.slice(dot + 1)), `\${${name}}`)
          : required(context.ref(name), `\${${name}}`)
      })
    }
    case 'Fn::Join': {
      const [separator, items] = argument as [string, unknown[]]
      return (resolveIntrinsics(items, context) as unknown[]).join(separator)
    }
    case 'Fn::Select': {
      const [index, items] = argument as [number, unknown[]]
      return (resolveIntrinsics(items, context) as unknown[])[Number(index)]
    }
    default:
      return key.startsWith('Fn::') ? required(undefined, key) : NOT_INTRINSIC
  }
}
