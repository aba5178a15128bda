// Checks of template.yaml that CloudFormation itself would only report at deploy time (or never):
// each one a pure function from a parsed template to the problems it finds, so a test runs it on the
// real template (no problem) and on a copy broken on purpose (the problem is found).
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type { CloudFormationTemplate } from '../../src/local/template/template'

// ---------------------------------------------------------------- IAM grants

interface Statement {
  Effect?: unknown
  Action?: unknown
  Resource?: unknown
  NotAction?: unknown
  NotResource?: unknown
  Condition?: unknown
}

/** A resource of a grant as text: `*`, `${X.Arn}` (GetAtt), `${X}` (Ref), or a Sub's string as written. */
function resourceText(resource: unknown): string | undefined {
  if (resource === '*') return '*'
  if (!resource || typeof resource !== 'object') return undefined
  const ref = (resource as { Ref?: unknown }).Ref
  if (typeof ref === 'string') return `\${${ref}}`
  const getAtt = (resource as { 'Fn::GetAtt'?: unknown })['Fn::GetAtt']
  if (Array.isArray(getAtt) && getAtt.length === 2) return `\${${String(getAtt[0])}.${String(getAtt[1])}}`
  const sub = (resource as { 'Fn::Sub'?: unknown })['Fn::Sub']
  if (typeof sub === 'string') return sub
  return undefined
}

/**
 * A function's grants, one `action resource` string per pair (sorted, unique), and the problems that
 * keep a grant from being listed exactly: SAM policy templates and managed policies (their actions
 * are not written here), Deny/NotAction/NotResource/Condition, or a resource form not understood.
 */
export function functionGrants(template: CloudFormationTemplate, functionId: string): { grants: string[]; problems: string[] } {
  const policies = template.Resources[functionId]?.Properties?.Policies
  const grants = new Set<string>()
  const problems: string[] = []
  for (const [index, policy] of [policies ?? []].flat().entries()) {
    const statements = (policy as { Statement?: unknown } | null)?.Statement
    if (!Array.isArray(statements) || Object.keys(policy as object).length !== 1) {
      problems.push(`${functionId}: policy ${index} is not an inline { Statement: [...] } (a SAM policy template or managed policy grants what is not listed): ${JSON.stringify(policy)}`)
      continue
    }
    for (const statement of statements as Statement[]) {
      if (statement.Effect !== 'Allow' || statement.NotAction || statement.NotResource || statement.Condition) {
        problems.push(`${functionId}: statement is not a plain Allow of Action on Resource: ${JSON.stringify(statement)}`)
        continue
      }
      const actions = [statement.Action ?? []].flat()
      const resources = [statement.Resource ?? []].flat()
      if (actions.length === 0 || resources.length === 0) problems.push(`${functionId}: statement without Action or Resource: ${JSON.stringify(statement)}`)
      for (const resource of resources) {
        const text = resourceText(resource)
        if (text === undefined) {
          problems.push(`${functionId}: resource not understood: ${JSON.stringify(resource)}`)
          continue
        }
        for (const action of actions) grants.add(`${String(action)} ${text}`)
      }
    }
  }
  return { grants: [...grants].sort(), problems }
}

/** The differences between a function's grants and the list it should have. */
export function grantProblems(template: CloudFormationTemplate, functionId: string, expected: readonly string[]): string[] {
  const { grants, problems } = functionGrants(template, functionId)
  const wanted = new Set(expected)
  const granted = new Set(grants)
  return [
    ...problems,
    ...grants.filter((grant) => !wanted.has(grant)).map((grant) => `${functionId}: extra grant ${grant}`),
    ...[...wanted].filter((grant) => !granted.has(grant)).map((grant) => `${functionId}: missing grant ${grant}`)
  ]
}

// ---------------------------------------------------------------- References

/** Pseudo parameters CloudFormation defines (a Ref or ${} to them needs no declaration). */
const PSEUDO_PARAMETERS = new Set([
  'AWS::AccountId', 'AWS::NotificationARNs', 'AWS::NoValue', 'AWS::Partition', 'AWS::Region', 'AWS::StackId', 'AWS::StackName', 'AWS::URLSuffix'
])

/** SAM's generated resources that a template may reference through their parent: `Fn.Alias`, `Fn.Version`, `Api.Stage`, `Api.Deployment`. */
const SAM_REFERENCE_SUFFIXES: Record<string, string[]> = {
  'AWS::Serverless::Function': ['Alias', 'Version'],
  'AWS::Serverless::Api': ['Stage', 'Deployment'],
  'AWS::Serverless::HttpApi': ['Stage'],
  'AWS::Serverless::StateMachine': ['Alias', 'Version']
}

/**
 * Every Ref, Fn::GetAtt, ${...} of a Fn::Sub (outside its own variables map), DependsOn, Condition
 * and Fn::If names something the template declares: a parameter, a resource, a pseudo parameter, a
 * condition. CloudFormation reports an unknown name only when the stack is created or updated.
 */
export function referenceProblems(template: CloudFormationTemplate): string[] {
  const parameters = new Set(Object.keys(template.Parameters ?? {}))
  const resources = template.Resources
  const conditions = new Set(Object.keys((template as { Conditions?: Record<string, unknown> }).Conditions ?? {}))
  const problems: string[] = []

  const refTarget = (name: string, where: string, locals: ReadonlySet<string> = new Set()) => {
    if (locals.has(name) || parameters.has(name) || PSEUDO_PARAMETERS.has(name) || resources[name]) return
    const dot = name.indexOf('.')
    const parent = dot > 0 ? resources[name.slice(0, dot)] : undefined
    if (parent && SAM_REFERENCE_SUFFIXES[parent.Type]?.includes(name.slice(dot + 1))) return
    problems.push(`${where}: Ref to ${name}, which is neither a parameter, a resource nor a pseudo parameter`)
  }
  const getAttTarget = (name: string, where: string) => {
    if (!resources[name]) problems.push(`${where}: GetAtt of ${name}, which is not a resource`)
  }
  const conditionTarget = (name: unknown, where: string) => {
    if (typeof name !== 'string' || !conditions.has(name)) problems.push(`${where}: condition ${String(name)} is not declared in Conditions`)
  }
  const subTargets = (text: string, where: string, locals: ReadonlySet<string>) => {
    // ${!Literal} is an escaped literal, not a reference.
    for (const [, name] of text.matchAll(/\$\{([^!}][^}]*)\}/g)) {
      const reference = (name as string).trim()
      const dot = reference.indexOf('.')
      if (dot > 0 && !reference.startsWith('AWS::') && !locals.has(reference)) getAttTarget(reference.slice(0, dot), where)
      else refTarget(reference, where, locals)
    }
  }

  const visit = (value: unknown, where: string): void => {
    if (Array.isArray(value)) {
      value.forEach((item, index) => visit(item, `${where}[${index}]`))
      return
    }
    if (!value || typeof value !== 'object') return
    for (const [key, argument] of Object.entries(value)) {
      const at = `${where}.${key}`
      if (key === 'Ref' && typeof argument === 'string') refTarget(argument, where)
      else if (key === 'Fn::GetAtt') {
        const target = Array.isArray(argument) ? argument[0] : typeof argument === 'string' ? argument.split('.')[0] : undefined
        if (typeof target === 'string') getAttTarget(target, where)
        else problems.push(`${where}: GetAtt without a resource name`)
      } else if (key === 'Fn::Sub') {
        if (typeof argument === 'string') subTargets(argument, where, new Set())
        else if (Array.isArray(argument) && typeof argument[0] === 'string') {
          const variables = (argument[1] ?? {}) as Record<string, unknown>
          subTargets(argument[0], where, new Set(Object.keys(variables)))
          visit(variables, at)
        }
        continue
      } else if (key === 'Fn::If' && Array.isArray(argument)) conditionTarget(argument[0], where)
      // A resource's or an output's Condition, or the Condition function inside a condition.
      else if (key === 'Condition' && typeof argument === 'string') conditionTarget(argument, where)
      visit(argument, at)
    }
  }

  for (const [id, resource] of Object.entries(resources)) {
    for (const dependency of [resource.DependsOn ?? []].flat()) {
      if (!resources[dependency]) problems.push(`Resources.${id}.DependsOn: ${dependency} is not a resource`)
    }
    if (resource.Condition !== undefined) conditionTarget(resource.Condition, `Resources.${id}.Condition`)
    visit(resource.Properties, `Resources.${id}.Properties`)
  }
  visit(template.Globals, 'Globals')
  visit((template as { Conditions?: unknown }).Conditions, 'Conditions')
  visit(template.Outputs, 'Outputs')
  return problems
}

// ---------------------------------------------------------------- Handlers

/** esbuild's metafile, as scripts/build.mjs writes it (meta.json in its output folder). */
export interface BuildMetafile {
  outputs: Record<string, { exports?: string[]; entryPoint?: string }>
}

/**
 * Every function's Handler (`path/file.export`, under the global CodeUri) is a file the build wrote,
 * and that file exports the handler's name (esbuild's metafile lists each output's exports).
 */
export function handlerProblems(template: CloudFormationTemplate, builtDir: string, meta: BuildMetafile, outputPath: (file: string) => string): string[] {
  const problems: string[] = []
  const codeUri = template.Globals?.Function?.CodeUri
  if (codeUri !== 'dist/') problems.push(`Globals.Function.CodeUri is ${JSON.stringify(codeUri)}, not the build's output folder dist/`)
  const exportsOf = new Map(Object.entries(meta.outputs).map(([file, output]) => [outputPath(file), output.exports ?? []]))
  for (const [id, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== 'AWS::Serverless::Function') continue
    const properties = resource.Properties ?? {}
    if (properties.CodeUri !== undefined) problems.push(`${id}: its own CodeUri ${JSON.stringify(properties.CodeUri)} (functions deploy the built bundles, Globals' CodeUri)`)
    const handler = String(properties.Handler)
    const dot = handler.lastIndexOf('.')
    const [module, exported] = [handler.slice(0, dot), handler.slice(dot + 1)]
    // Lambda's Node.js runtime looks for the module as .js, .mjs or .cjs.
    const file = ['.mjs', '.js', '.cjs'].map((extension) => `${module}${extension}`).find((candidate) => existsSync(join(builtDir, candidate)))
    if (dot <= 0 || !file) {
      problems.push(`${id}: Handler ${handler}: no ${module}.mjs/.js/.cjs in the build`)
      continue
    }
    const exported_ = exportsOf.get(file)
    if (!exported_?.includes(exported)) problems.push(`${id}: Handler ${handler}: ${file} does not export ${exported} (exports: ${(exported_ ?? []).join(', ') || 'none'})`)
  }
  return problems
}

// ---------------------------------------------------------------- Data that must outlive the stack

/** The tables whose items matter (users, products, orders, payments): never deleted with the stack. */
export const RETAINED_TABLES = ['UsersTable', 'ProductsTable', 'OrdersTable', 'PaymentsTable'] as const

/**
 * Retained tables: DeletionPolicy and UpdateReplacePolicy Retain, deletion protection, point-in-time
 * recovery; the outbox: point-in-time recovery (its unpublished events are the only record of them).
 */
export function retentionProblems(template: CloudFormationTemplate): string[] {
  const problems: string[] = []
  for (const id of RETAINED_TABLES) {
    const table = template.Resources[id] as (CloudFormationTemplate['Resources'][string] & { DeletionPolicy?: unknown; UpdateReplacePolicy?: unknown }) | undefined
    if (!table) {
      problems.push(`${id}: missing`)
      continue
    }
    if (table.DeletionPolicy !== 'Retain') problems.push(`${id}: DeletionPolicy is ${String(table.DeletionPolicy)}, not Retain`)
    if (table.UpdateReplacePolicy !== 'Retain') problems.push(`${id}: UpdateReplacePolicy is ${String(table.UpdateReplacePolicy)}, not Retain`)
    if (table.Properties?.DeletionProtectionEnabled !== true) problems.push(`${id}: DeletionProtectionEnabled is not true`)
  }
  for (const id of [...RETAINED_TABLES, 'OutboxTable']) {
    const pitr = template.Resources[id]?.Properties?.PointInTimeRecoverySpecification as { PointInTimeRecoveryEnabled?: unknown } | undefined
    if (pitr?.PointInTimeRecoveryEnabled !== true) problems.push(`${id}: point-in-time recovery is not enabled`)
  }
  return problems
}
