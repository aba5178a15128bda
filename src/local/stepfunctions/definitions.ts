// The state machines of template.yaml, ready for the local Step Functions runner: each one's ASL
// (DefinitionUri, or an inline Definition) with its DefinitionSubstitutions applied as SAM does, and
// a plan for every Task state saying which local function it calls and how.
//
// The definition handed to aws-local-stepfunctions is rewritten in two ways, each to keep AWS's
// semantics where the library differs: every Task's Parameters become `{ Input, Parameters }` so
// our handler also sees the state input (AWS resolves TimeoutSecondsPath and HeartbeatSecondsPath
// against it, the library against the Parameters), and every Task's timeout is read by the library
// from `$.TimeoutSeconds`, a value our handler computes (AWS's default when none is given, where the
// library's is 60 seconds) and writes there before the library reads it.
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions'
import { logicalIdOf } from '../template/names'
import { resolveIntrinsics, resourcesOfType, type CloudFormationTemplate, type IntrinsicContext } from '../template/template'
import { isReferencePath } from './reference-path'

/** Node's timers hold at most 2^31-1 ms; a longer delay fires at once. */
export const MAX_TIMER_SECONDS = Math.floor((2 ** 31 - 1) / 1000)
/** A Task without TimeoutSeconds on AWS. */
const AWS_DEFAULT_TIMEOUT_SECONDS = 99_999_999
/** The timeout, in seconds, a Task gets when none of its limits applies, capped to what a timer can wait. */
export const DEFAULT_TIMEOUT_SECONDS = Math.min(AWS_DEFAULT_TIMEOUT_SECONDS, MAX_TIMER_SECONDS)

/** A limit on how long a Task may run: a number of seconds, or a reference path to one. */
export type TimeLimit = { seconds: number } | { path: string }

export interface TaskPlan {
  stateName: string
  /** `function`: Resource is a function ARN; `invoke`: lambda:invoke; `callback`: lambda:invoke.waitForTaskToken. */
  kind: 'function' | 'invoke' | 'callback'
  /** The function a `function` Task calls (`invoke` and `callback` read FunctionName from their Parameters). */
  functionLogicalId?: string
  /** The Task times out at the first of these; none means AWS's default. */
  limits: TimeLimit[]
}

export interface LoadedStateMachine {
  logicalId: string
  arn: string
  name: string
  /** The rewritten definition run by aws-local-stepfunctions. */
  definition: StateMachineDefinition
  tasks: Map<string, TaskPlan>
}

type Json = Record<string, unknown>

const FUNCTION_TYPES = new Set(['AWS::Serverless::Function', 'AWS::Lambda::Function'])
const LAMBDA_FUNCTION_ARN = /^arn:[\w-]+:lambda:[^:]*:\d*:function:[^:]+(:[^:]+)?$/
const LAMBDA_INVOKE = /^arn:[\w-]+:states:::lambda:invoke(\.waitForTaskToken)?$/

export interface LoadOptions {
  template: CloudFormationTemplate
  names: IntrinsicContext
  /** The template's folder: DefinitionUri is relative to it. */
  projectRoot: string
}

export function loadStateMachines(options: LoadOptions): LoadedStateMachine[] {
  return resourcesOfType(options.template, 'AWS::Serverless::StateMachine').map(([logicalId, resource]) => {
    const where = `state machine ${logicalId}`
    const properties = resource.Properties ?? {}
    const original = parseDefinition(substitute(definitionText(properties, options.projectRoot, options.names, where), properties, options.names), where)
    try {
      new StateMachine(original as unknown as StateMachineDefinition) // validates, with the library's rules
    } catch (error) {
      throw new Error(`${where}: ${(error as Error).message}`, { cause: error })
    }
    const arn = options.names.ref(logicalId)
    if (!arn) throw new Error(`${where}: no local ARN`)
    const tasks = new Map<string, TaskPlan>()
    const definition = rewrite(original, (stateName, state) => {
      if (tasks.has(stateName)) throw new Error(`${where}: two Task states are named '${stateName}'`)
      tasks.set(stateName, planTask(stateName, state, (nameOrArn) => functionLogicalIdOf(options.template, options.names, nameOrArn), where))
    })
    return { logicalId, arn, name: arn.split(':')[6] ?? logicalId, definition: definition as unknown as StateMachineDefinition, tasks }
  })
}

/** The logical id of the template function this name, ARN, or qualified name or ARN (`:alias`, `:3`) designates. */
export function functionLogicalIdOf(template: CloudFormationTemplate, names: IntrinsicContext, nameOrArn: string): string | undefined {
  const unqualified = nameOrArn.startsWith('arn:') ? nameOrArn.split(':').slice(0, 7).join(':') : nameOrArn.split(':')[0] ?? ''
  const id = logicalIdOf(template, names, unqualified)
  return id && FUNCTION_TYPES.has(template.Resources[id]?.Type ?? '') ? id : undefined
}

function definitionText(properties: Json, projectRoot: string, names: IntrinsicContext, where: string): string {
  const uri = properties.DefinitionUri
  if (typeof uri === 'string') {
    const path = resolve(projectRoot, uri)
    try {
      return readFileSync(path, 'utf8')
    } catch (error) {
      throw new Error(`${where}: cannot read DefinitionUri ${uri} (${(error as Error).message})`, { cause: error })
    }
  }
  // An inline Definition may hold intrinsics (!GetAtt …), which CloudFormation resolves.
  if (properties.Definition && typeof properties.Definition === 'object') return JSON.stringify(resolveIntrinsics(properties.Definition, names))
  throw new Error(`${where}: the local runner needs a DefinitionUri that is a file path, or an inline Definition`)
}

/** SAM's DefinitionSubstitutions: each `${Key}` of the map replaced by its value; other `${…}` left as they are. */
function substitute(text: string, properties: Json, names: IntrinsicContext): string {
  const values = resolveIntrinsics(properties.DefinitionSubstitutions ?? {}, names) as Record<string, unknown>
  return text.replace(/\$\{([^}]+)\}/g, (placeholder, key: string) => (key in values ? String(values[key]) : placeholder))
}

function parseDefinition(text: string, where: string): Json {
  try {
    const parsed: unknown = JSON.parse(text)
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Json
  } catch (error) {
    throw new Error(`${where}: the definition is not JSON after substitution (${(error as Error).message})`, { cause: error })
  }
  throw new Error(`${where}: the definition is not a JSON object`)
}

/** A copy of `machine` with every Task state (nested ones too) rewritten as the header says; `onTask` sees each original. */
function rewrite(machine: Json, onTask: (stateName: string, state: Json) => void): Json {
  const states = Object.entries((machine.States ?? {}) as Record<string, Json>).map(([stateName, state]) => {
    const copy: Json = { ...state }
    if (state.Type === 'Task') {
      onTask(stateName, state)
      copy.Parameters = 'Parameters' in state ? { 'Input.$': '$', Parameters: state.Parameters } : { 'Input.$': '$', 'Parameters.$': '$' }
      for (const field of ['TimeoutSeconds', 'TimeoutSecondsPath', 'HeartbeatSeconds', 'HeartbeatSecondsPath']) delete copy[field]
      copy.TimeoutSecondsPath = '$.TimeoutSeconds'
    }
    if (Array.isArray(state.Branches)) copy.Branches = (state.Branches as Json[]).map((branch) => rewrite(branch, onTask))
    for (const field of ['ItemProcessor', 'Iterator']) {
      if (state[field] && typeof state[field] === 'object') copy[field] = rewrite(state[field] as Json, onTask)
    }
    return [stateName, copy] as const
  })
  const copy: Json = { ...machine, States: Object.fromEntries(states) }
  if (typeof machine.TimeoutSeconds === 'number') copy.TimeoutSeconds = Math.min(machine.TimeoutSeconds, MAX_TIMER_SECONDS)
  return copy
}

function planTask(stateName: string, state: Json, functionIdOf: (nameOrArn: string) => string | undefined, where: string): TaskPlan {
  const at = `${where}, Task state '${stateName}'`
  const resource = String(state.Resource)
  const limit = (secondsField: string, pathField: string): TimeLimit[] => {
    if (typeof state[secondsField] === 'number') return [{ seconds: state[secondsField] as number }]
    const path = state[pathField]
    if (typeof path !== 'string') return []
    if (!isReferencePath(path)) throw new Error(`${at}: ${pathField} '${path}' is not a reference path`)
    return [{ path }]
  }
  const timeout = limit('TimeoutSeconds', 'TimeoutSecondsPath')

  if (LAMBDA_FUNCTION_ARN.test(resource)) {
    const functionLogicalId = functionIdOf(resource)
    if (!functionLogicalId) throw new Error(`${at}: ${resource} is not a function of the template`)
    return { stateName, kind: 'function', functionLogicalId, limits: timeout }
  }
  const invoke = LAMBDA_INVOKE.exec(resource)
  if (invoke) {
    const parameters = (state.Parameters ?? {}) as Json
    const functionName = parameters.FunctionName
    if (typeof functionName === 'string' && !functionIdOf(functionName)) {
      throw new Error(`${at}: FunctionName ${functionName} is not a function of the template`)
    }
    if (functionName === undefined && parameters['FunctionName.$'] === undefined) throw new Error(`${at}: Parameters has no FunctionName`)
    // No heartbeat can reach a local callback task, so a HeartbeatSeconds limit is a timeout too.
    return invoke[1]
      ? { stateName, kind: 'callback', limits: [...limit('HeartbeatSeconds', 'HeartbeatSecondsPath'), ...timeout] }
      : { stateName, kind: 'invoke', limits: timeout }
  }
  throw new Error(
    `${at}: Resource ${resource} is not emulated locally (only a Lambda function ARN, arn:aws:states:::lambda:invoke and lambda:invoke.waitForTaskToken are)`
  )
}
