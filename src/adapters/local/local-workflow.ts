// Workflow port, locally: the state machines of template.yaml run in-process by aws-local-stepfunctions
// from their real ASL files, each Task calling the local function the template names (task-handlers.ts),
// `.waitForTaskToken` tasks resumed by sendTaskSuccess/sendTaskFailure (task-tokens.ts). Behaves as
// Step Functions where the app can tell: StartExecution is idempotent per name, API errors carry
// SFN's names, a function's error reaches Retry/Catch under its errorType, timeouts raise States.Timeout.
import './promise-with-resolvers' // first: the library needs Promise.withResolvers, which Node 20 lacks
import { randomUUID } from 'node:crypto'
import { ExecutionAbortedError, ExecutionError, ExecutionTimeoutError, StateMachine } from 'aws-local-stepfunctions'
import type { IntrinsicContext, CloudFormationTemplate } from '../../infra/template'
import type { StartExecutionOptions, WorkflowRunner } from '../../ports/workflow'
import { executionArnFor } from '../aws/sfn-workflow'
import { functionLogicalIdOf, loadStateMachines, type LocalStateMachine } from './state-machine-definitions'
import { taskHandlers, type InvokeFunction, type WorkflowLog } from './task-handlers'
import { TaskTokens } from './task-tokens'
import { UnhandleableTaskError, WorkflowApiError } from './workflow-errors'

export type { InvokeFunction, TaskInvocationContext, WorkflowLog } from './task-handlers'

type RunInput = Parameters<StateMachine['run']>[0]

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED'

export interface ExecutionSummary {
  executionArn: string
  stateMachineArn: string
  name: string
  status: ExecutionStatus
  input: Record<string, unknown>
  output?: unknown
  error?: string
  cause?: string
  startDate: Date
  stopDate?: Date
}

export interface LocalWorkflowOptions {
  template: CloudFormationTemplate
  names: IntrinsicContext
  /** The template's folder: DefinitionUri is relative to it. */
  projectRoot: string
  invoke: InvokeFunction
  log?: WorkflowLog
}

export interface LocalWorkflow extends WorkflowRunner {
  /** Every execution started since creation, oldest first (copies). */
  executions(): ExecutionSummary[]
  /** Resolves with the execution's summary once it has ended. */
  finished(executionArn: string): Promise<ExecutionSummary>
  /**
   * Resolves when no execution can progress on its own: each has ended or waits for a task token
   * (SendTaskSuccess/Failure, or its timeout). Waiting for those too would never resolve while an
   * order awaits its payment.
   */
  idle(): Promise<void>
  /** Aborts running executions (status ABORTED); start() fails afterwards. */
  close(): Promise<void>
}

type Outcome = Pick<ExecutionSummary, 'status' | 'output' | 'error' | 'cause'>

interface ExecutionRecord {
  summary: ExecutionSummary
  /** Callback tasks this execution is parked on; it is idle when that is all it does. */
  parked: number
  abort(): void
  done: Promise<ExecutionSummary>
}

/** SFN's limit on execution input (256 KiB of UTF-8). */
const MAX_INPUT_BYTES = 262_144
/** Characters SFN refuses in execution names: whitespace, brackets, wildcards, specials (and controls, below). */
const INVALID_NAME_CHARACTER = /[\s<>{}[\]?*"#%\\^|~`$&,;:/]/u

export function createLocalWorkflow(options: LocalWorkflowOptions): LocalWorkflow {
  const machines = new Map<string, { machine: LocalStateMachine; runner: StateMachine }>(
    loadStateMachines(options).map((machine) => [
      machine.arn,
      { machine, runner: new StateMachine(machine.definition, { validationOptions: { noValidate: true } }) }
    ])
  )
  const records = new Map<string, ExecutionRecord>()
  const running = new Set<ExecutionRecord>()
  const tokens = new TaskTokens((executionArn) => records.has(executionArn))
  let idleWaiters: Array<() => void> = []
  let closed = false

  const isIdle = () => [...running].every((record) => record.parked > 0)
  const notify = () => {
    if (!isIdle()) return
    const waiters = idleWaiters
    idleWaiters = []
    for (const resolve of waiters) resolve()
  }

  /** Starts the record's execution; registered first, as its functions may call back at once. */
  function launch(entry: { machine: LocalStateMachine; runner: StateMachine }, record: ExecutionRecord): void {
    const { summary } = record
    const { executionArn, stateMachineArn, name } = summary
    const correlationId = String(summary.input.correlationId)
    const context = {
      Execution: { Id: executionArn, Name: name, Input: summary.input as RunInput, StartTime: summary.startDate.toISOString() },
      StateMachine: { Id: stateMachineArn, Name: entry.machine.name },
      // Read each time a state's Parameters evaluate `$$.Task.Token`: a fresh token per task attempt, as on AWS.
      Task: {
        get Token() {
          return tokens.issue(executionArn)
        }
      }
    }
    const execution = entry.runner.run(summary.input as RunInput, {
      context,
      overrides: {
        taskResourceLocalHandlers: taskHandlers(entry.machine, {
          executionArn,
          stateMachineArn,
          correlationId,
          context,
          invoke: options.invoke,
          tokens,
          functionIdOf: (nameOrArn) => functionLogicalIdOf(options.template, options.names, nameOrArn),
          closed: () => closed,
          park: (delta) => {
            record.parked += delta
            notify()
          },
          log: options.log
        })
      }
    })
    record.abort = execution.abort
    // The library's event log ends with the execution (any way it ends), so waiting for it is safe.
    const logged = options.log ? logStateFailures(execution.eventLogs, logFields(summary), options.log) : undefined
    record.done = execution.result
      .then((output): Outcome => ({ status: 'SUCCEEDED', output }), outcomeOf)
      .then(async (outcome) => {
        await logged?.catch(() => undefined) // a failing logger must not leave the execution RUNNING
        return finish(record, outcome)
      })
  }

  function finish(record: ExecutionRecord, outcome: Outcome): ExecutionSummary {
    Object.assign(record.summary, outcome, { stopDate: new Date() })
    running.delete(record)
    // A task still waiting (execution timed out or aborted, a sibling branch failed) fails so the run unwinds.
    tokens.closeExecution(record.summary.executionArn, new UnhandleableTaskError('States.Runtime', `Execution ${outcome.status}`))
    const { status, error, cause } = outcome
    if (status === 'SUCCEEDED') options.log?.info({ ...logFields(record.summary), status }, 'workflow execution succeeded')
    else options.log?.warn({ ...logFields(record.summary), status, error, cause }, 'workflow execution did not succeed')
    notify()
    return structuredClone(record.summary)
  }

  return {
    async start(stateMachineArn: string, input: Record<string, unknown>, startOptions: StartExecutionOptions) {
      if (closed) throw new WorkflowApiError('ServiceUnavailable', 'The local workflow runner is closed')
      const entry = machines.get(stateMachineArn)
      if (!entry) throw new WorkflowApiError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${stateMachineArn}'`)
      const name = startOptions.name ?? randomUUID()
      if (!isValidName(name)) throw new WorkflowApiError('InvalidName', `Invalid Name: '${name}'`)
      const executionArn = executionArnFor(stateMachineArn, name)
      const existing = records.get(executionArn)
      if (existing) {
        // As SFN for the same name and input; the AWS adapter treats ExecutionAlreadyExists the same way.
        options.log?.info(logFields(existing.summary), 'workflow execution already exists')
        return { executionArn }
      }
      const text = JSON.stringify({ ...input, correlationId: startOptions.correlationId })
      if (Buffer.byteLength(text) > MAX_INPUT_BYTES) throw new WorkflowApiError('InvalidExecutionInput', 'Execution input is larger than 256 KiB')
      const summary: ExecutionSummary = {
        executionArn,
        stateMachineArn,
        name,
        status: 'RUNNING',
        input: JSON.parse(text) as Record<string, unknown>,
        startDate: new Date()
      }
      const record: ExecutionRecord = { summary, parked: 0, abort: () => undefined, done: Promise.resolve(summary) }
      records.set(executionArn, record)
      running.add(record)
      options.log?.info({ ...logFields(summary), stateMachine: entry.machine.logicalId }, 'workflow execution started')
      launch(entry, record)
      return { executionArn }
    },

    async sendTaskSuccess(taskToken: string, output: Record<string, unknown>) {
      tokens.succeed(taskToken, output)
    },

    async sendTaskFailure(taskToken: string, error: string, cause: string) {
      tokens.fail(taskToken, error, cause)
    },

    async describe(stateMachineArn: string, name: string) {
      const record = records.get(executionArnFor(stateMachineArn, name))
      return record ? { status: record.summary.status } : undefined
    },

    executions() {
      return [...records.values()].map((record) => structuredClone(record.summary))
    },

    async finished(executionArn: string) {
      const record = records.get(executionArn)
      if (!record) throw new WorkflowApiError('ExecutionDoesNotExist', `Execution Does Not Exist: '${executionArn}'`)
      return record.done
    },

    idle() {
      return isIdle() ? Promise.resolve() : new Promise<void>((resolve) => idleWaiters.push(resolve))
    },

    async close() {
      closed = true
      const aborted = [...running]
      for (const record of aborted) record.abort()
      await Promise.allSettled(aborted.map((record) => record.done))
    }
  }
}

function isValidName(name: string): boolean {
  const control = [...name].some((character) => {
    const code = character.codePointAt(0) as number
    return code <= 0x1f || (code >= 0x7f && code <= 0x9f)
  })
  return name.length >= 1 && name.length <= 80 && !control && !INVALID_NAME_CHARACTER.test(name)
}

/** Each state's failure as it happens (Retry or Catch may still handle it): the end alone hides why an execution took a branch. */
async function logStateFailures(events: ReturnType<StateMachine['run']>['eventLogs'], fields: object, log: WorkflowLog): Promise<void> {
  for await (const event of events) {
    if (event.type === 'StateFailed') log.info({ ...fields, state: event.state.name, error: event.Error, cause: event.Cause }, 'workflow state failed')
  }
}

function logFields(summary: ExecutionSummary) {
  return { executionArn: summary.executionArn, correlationId: summary.input.correlationId }
}

/** How an execution that did not succeed ended, from the library's error. */
function outcomeOf(error: unknown): Outcome {
  if (error instanceof ExecutionAbortedError) return { status: 'ABORTED' }
  if (error instanceof ExecutionTimeoutError) return { status: 'TIMED_OUT', error: 'States.Timeout' }
  const cause = error instanceof ExecutionError && error.cause instanceof Error ? error.cause : error
  return cause instanceof Error ? { status: 'FAILED', error: cause.name, cause: cause.message } : { status: 'FAILED', error: 'States.Runtime', cause: String(cause) }
}
