// The Task states of one local execution, run through aws-local-stepfunctions' task override so the
// ASL's Retry, Catch, ResultSelector and ResultPath still apply. Each Task calls the local function
// the template names, with the result shaped as on AWS (a function ARN returns the function's
// value; lambda:invoke returns { Payload, StatusCode, … }), a function's error raised under its
// errorType, and `.waitForTaskToken` tasks parked until SendTaskSuccess or SendTaskFailure.
import { randomUUID } from 'node:crypto'
import type { RunOptions } from 'aws-local-stepfunctions'
import { DEFAULT_TIMEOUT_SECONDS, MAX_TIMER_SECONDS, type LoadedStateMachine, type TaskPlan, type TimeLimit } from './definitions'
import { readReferencePath } from './reference-path'
import type { TaskTokens } from './task-tokens'
import { lambdaFunctionError, TaskError, UnhandleableTaskError } from './errors'
import type { Log } from '../log'

type TaskHandlers = NonNullable<NonNullable<RunOptions['overrides']>['taskResourceLocalHandlers']>
type TaskHandler = TaskHandlers[string]
type JsonValue = Parameters<TaskHandler>[0]

/** What an invoked function is told besides its event, so it can log the workflow it serves. */
export interface TaskInvocationContext {
  executionArn: string
  stateMachineArn: string
  stateName: string
  correlationId: string
}

/** Runs the local function with this template logical id on `event`, like Lambda's Invoke. */
export type InvokeFunction = (functionLogicalId: string, event: unknown, context: TaskInvocationContext) => Promise<unknown>

/** One execution, as its Task handlers see it. */
export interface TaskRun {
  executionArn: string
  stateMachineArn: string
  correlationId: string
  /** The context object, for `$$.…` time-limit paths. */
  context: object
  invoke: InvokeFunction
  tokens: TaskTokens
  functionIdOf(nameOrArn: string): string | undefined
  /** True once the runner is closed: no function is invoked any more. */
  closed(): boolean
  /** The execution starts (+1) or stops (-1) waiting on a callback with nothing else to do. */
  park(delta: 1 | -1): void
  /** A callback Task opened, timing out at `deadline` (epoch ms); the returned function is called when it closes. */
  callbackOpened?(stateName: string, deadline: number): () => void
  /** The deadline (epoch ms) this state's Task had before a restart, if it is the state resumed; asked once. */
  carriedDeadline?(stateName: string): number | undefined
  log: Log
}

/** The processed input of a rewritten Task state (see definitions.ts). */
interface TaskInput {
  Input: unknown
  Parameters: unknown
  TimeoutSeconds?: number
}

export function taskHandlers(machine: LoadedStateMachine, run: TaskRun): TaskHandlers {
  return Object.fromEntries([...machine.tasks.values()].map((plan) => [plan.stateName, handlerFor(plan, run)]))
}

function handlerFor(plan: TaskPlan, run: TaskRun): TaskHandler {
  // Not async: the timeout and the task token must be in place before the library, right after this
  // returns, reads the timeout and starts its timer.
  return (input: JsonValue) => {
    const task = input as unknown as TaskInput
    const seconds = keepDeadline(timeoutSeconds(plan, task, run.context), run.carriedDeadline?.(plan.stateName))
    task.TimeoutSeconds = typeof seconds === 'number' ? seconds : MAX_TIMER_SECONDS
    if (typeof seconds !== 'number') return handled(Promise.reject(seconds))
    switch (plan.kind) {
      case 'function':
        return handled(callFunction(run, plan.stateName, plan.functionLogicalId as string, task.Parameters))
      case 'invoke':
        return handled(lambdaInvoke(run, plan.stateName, task.Parameters))
      case 'callback':
        return handled(callback(run, plan.stateName, task.Parameters, seconds))
    }
  }
}

/** The Task's timeout in seconds: the first of its limits, or AWS's default; or the error a bad limit path is. */
function timeoutSeconds(plan: TaskPlan, task: TaskInput, context: object): number | TaskError {
  let seconds = DEFAULT_TIMEOUT_SECONDS
  for (const limit of plan.limits) {
    const value = limitValue(limit, task.Input, context)
    if (!Number.isInteger(value) || (value as number) < 1) {
      const path = 'path' in limit ? limit.path : String(limit.seconds)
      return new UnhandleableTaskError('States.Runtime', `The time limit ${path} of Task state '${plan.stateName}' is not a positive integer`)
    }
    seconds = Math.min(seconds, value as number)
  }
  return seconds
}

/** A Task resumed after a restart times out when it would have without the restart (at least 1 s from now). */
function keepDeadline(seconds: number | TaskError, carried: number | undefined): number | TaskError {
  if (typeof seconds !== 'number' || carried === undefined) return seconds
  return Math.min(seconds, Math.max(1, Math.ceil((carried - Date.now()) / 1000)))
}

function limitValue(limit: TimeLimit, input: unknown, context: object): unknown {
  return 'seconds' in limit ? limit.seconds : readReferencePath(limit.path, input, context)
}

/** A direct function ARN: the function's return value is the Task's result. */
async function callFunction(run: TaskRun, stateName: string, functionLogicalId: string, event: unknown): Promise<JsonValue> {
  if (run.closed()) throw new UnhandleableTaskError('States.Runtime', 'The local workflow runner is closed')
  const context = { executionArn: run.executionArn, stateMachineArn: run.stateMachineArn, stateName, correlationId: run.correlationId }
  let result: unknown
  try {
    result = await run.invoke(functionLogicalId, jsonCopy(event ?? {}), context)
  } catch (error) {
    throw lambdaFunctionError(error)
  }
  return (result === undefined ? null : jsonCopy(result)) as JsonValue
}

/** `arn:aws:states:::lambda:invoke`: the Invoke API's response, the function's value under Payload. */
async function lambdaInvoke(run: TaskRun, stateName: string, parameters: unknown): Promise<JsonValue> {
  const { functionLogicalId, payload, asynchronous } = invocationOf(run, parameters)
  if (asynchronous) {
    invokeInBackground(run, stateName, functionLogicalId, payload)
    return invokeResponse(202, '')
  }
  return invokeResponse(200, await callFunction(run, stateName, functionLogicalId, payload))
}

/**
 * `lambda:invoke.waitForTaskToken`: opens the task token found in the payload, invokes the function
 * (its error fails the Task), then waits for SendTaskSuccess or SendTaskFailure.
 */
function callback(run: TaskRun, stateName: string, parameters: unknown, seconds: number): Promise<JsonValue> {
  const token = run.tokens.findIssued(run.executionArn, parameters)
  if (!token) {
    return Promise.reject(new UnhandleableTaskError('States.Runtime', `Task state '${stateName}' waits for a task token but its Parameters do not pass $$.Task.Token`))
  }
  let parked = false
  let closed = false
  let released: (() => void) | undefined
  const outcome = run.tokens.open(token, {
    stateName,
    timeoutMs: seconds * 1000,
    onClose: () => {
      closed = true
      released?.()
      if (parked) run.park(-1)
      parked = false
    }
  })
  if (!closed) released = run.callbackOpened?.(stateName, Date.now() + seconds * 1000)
  return (async () => {
    try {
      const { functionLogicalId, payload, asynchronous } = invocationOf(run, parameters)
      if (asynchronous) invokeInBackground(run, stateName, functionLogicalId, payload)
      else await callFunction(run, stateName, functionLogicalId, payload)
    } catch (error) {
      run.tokens.abandon(token)
      throw error
    }
    if (run.tokens.isOpen(token)) {
      parked = true
      run.park(1)
    }
    return (await outcome) as JsonValue
  })()
}

function invocationOf(run: TaskRun, parameters: unknown): { functionLogicalId: string; payload: unknown; asynchronous: boolean } {
  const { FunctionName, Payload, InvocationType } = (parameters ?? {}) as { FunctionName?: unknown; Payload?: unknown; InvocationType?: unknown }
  const functionLogicalId = typeof FunctionName === 'string' ? run.functionIdOf(FunctionName) : undefined
  if (!functionLogicalId) {
    throw new TaskError('Lambda.ResourceNotFoundException', `Function not found: ${String(FunctionName)}`)
  }
  // Invoke without a Payload hands the function an empty event, which the Node.js runtime reads as {}.
  return { functionLogicalId, payload: Payload ?? {}, asynchronous: InvocationType === 'Event' }
}

/** InvocationType Event: Lambda accepts the event and runs the function later; its failure is only logged. */
function invokeInBackground(run: TaskRun, stateName: string, functionLogicalId: string, payload: unknown): void {
  callFunction(run, stateName, functionLogicalId, payload).catch((error: Error) =>
    run.log.warn({ executionArn: run.executionArn, correlationId: run.correlationId, stateName, functionLogicalId, error: error.name, cause: error.message }, 'asynchronously invoked workflow function failed')
  )
}

function invokeResponse(statusCode: number, payload: JsonValue): JsonValue {
  return {
    ExecutedVersion: '$LATEST',
    Payload: payload,
    SdkHttpMetadata: { HttpStatusCode: statusCode },
    SdkResponseMetadata: { RequestId: randomUUID() },
    StatusCode: statusCode
  }
}

/** What crosses the Lambda boundary is JSON: no shared objects, no undefined, no class instances. */
function jsonCopy(value: unknown): unknown {
  const text = JSON.stringify(value)
  return text === undefined ? null : JSON.parse(text)
}

/**
 * The library races this promise against its timer right away, except when reading the timeout
 * fails after this handler ran; a rejection then must not count as unhandled.
 */
function handled<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined)
  return promise
}
