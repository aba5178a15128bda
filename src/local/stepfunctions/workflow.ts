// Workflow port, locally: the state machines of template.yaml run in-process by aws-local-stepfunctions
// from their real ASL files, each Task calling the local function the template names (task-handlers.ts),
// `.waitForTaskToken` tasks resumed by sendTaskSuccess/sendTaskFailure (task-tokens.ts). Behaves as
// Step Functions where the app can tell: StartExecution is idempotent per name, API errors carry
// SFN's names, a function's error reaches Retry/Catch under its errorType, timeouts raise States.Timeout.
//
// Durable with a data folder (--persist), as SFN's executions are: every execution is kept with the
// last top-level state it entered and that state's input (execution-store.ts). The library cannot
// pick up a run where it stopped, so resume() — at the next start — runs each execution that was
// RUNNING again from that state, with that input, under the same name and ARN; a callback Task that
// was waiting keeps its deadline (a payment window does not start over). The state is entered a
// second time, which SFN may do too (Task retries): the steps must be idempotent, as they must on AWS.
// The persisted state can lag behind the run only by states that do no I/O (Choice, Pass): a Task's
// side effects take at least one turn of the event loop, by which time its entry has been written.
import './promise-with-resolvers' // first: the library needs Promise.withResolvers, which Node 20 lacks
import { randomUUID } from 'node:crypto'
import { ExecutionAbortedError, ExecutionError, ExecutionTimeoutError, StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions'
import type { IntrinsicContext, CloudFormationTemplate } from '../template/template'
import type { StartExecutionOptions, WorkflowRunner } from '../../ports/workflow'
import { executionArnFor } from '../../adapters/aws/sfn-workflow'
import { ExecutionStore, type Checkpoint } from './execution-store'
import { functionLogicalIdOf, loadStateMachines, type LoadedStateMachine } from './definitions'
import { taskHandlers, type InvokeFunction } from './task-handlers'
import { TaskTokens } from './task-tokens'
import { UnhandleableTaskError, WorkflowApiError } from './errors'
import { silentLog, type Log } from '../log'

export type { InvokeFunction, TaskInvocationContext } from './task-handlers'

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

export interface StateMachineRunnerOptions {
  template: CloudFormationTemplate
  names: IntrinsicContext
  /** The template's folder: DefinitionUri is relative to it. */
  projectRoot: string
  invoke: InvokeFunction
  log?: Log
  /** Keep executions in this folder (and load those kept before); in memory only when unset. */
  dataDir?: string
}

export interface StateMachineRunner extends WorkflowRunner {
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
  /**
   * Runs again every execution kept RUNNING by an earlier run (data folder only), from the last
   * state it entered; returns how many. Call once, when the functions it invokes are ready.
   */
  resume(): number
  /**
   * Aborts running executions (status ABORTED); start() fails afterwards. With a data folder they
   * stay RUNNING there, as after a crash, so that the next start resumes them.
   */
  close(): Promise<void>
}

type Outcome = Pick<ExecutionSummary, 'status' | 'output' | 'error' | 'cause'>

interface ExecutionRecord {
  summary: ExecutionSummary
  /** Callback tasks this execution is parked on; it is idle when that is all it does. */
  parked: number
  abort(): void
  done: Promise<ExecutionSummary>
  /** The last top-level state entered (what resume() starts from). */
  checkpoint?: Checkpoint
  /** Deadline (epoch ms) of each callback Task open now, by state name. */
  openDeadlines: Map<string, number>
  /** Deadline a resumed Task keeps from before the restart, for its first attempt. */
  carriedDeadline?: { stateName: string; deadline: number }
}

/** The name of the state a resumed run starts with: it hands the kept input to the kept state. */
const RESUME_STATE = 'Resume (local runner)'

/** SFN's limit on execution input (256 KiB of UTF-8). */
const MAX_INPUT_BYTES = 262_144
/** Characters SFN refuses in execution names: whitespace, brackets, wildcards, specials (and controls, below). */
const INVALID_NAME_CHARACTER = /[\s<>{}[\]?*"#%\\^|~`$&,;:/]/u

export function createStateMachineRunner(options: StateMachineRunnerOptions): StateMachineRunner {
  const log = options.log ?? silentLog
  const machines = new Map<string, { machine: LoadedStateMachine; runner: StateMachine }>(
    loadStateMachines(options).map((machine) => [
      machine.arn,
      { machine, runner: new StateMachine(machine.definition, { validationOptions: { noValidate: true } }) }
    ])
  )
  const records = new Map<string, ExecutionRecord>()
  const running = new Set<ExecutionRecord>()
  const store = options.dataDir === undefined ? undefined : new ExecutionStore(options.dataDir, log)
  for (const kept of store?.load() ?? []) {
    records.set(kept.summary.executionArn, {
      summary: kept.summary,
      parked: 0,
      abort: () => undefined,
      done: Promise.resolve(kept.summary),
      checkpoint: kept.checkpoint,
      openDeadlines: new Map()
    })
  }
  /**
   * Writes the record as it is now; not after close(), so what close() aborts stays RUNNING. A
   * failed write is logged, not thrown: the run goes on (a restart would resume it from further back).
   */
  const persist = (record: ExecutionRecord) => {
    if (closed || !store) return
    try {
      store.save(record.summary, record.checkpoint)
    } catch (error) {
      log.error({ ...logFields(record.summary), err: error }, 'workflow execution could not be saved')
    }
  }
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

  /**
   * Starts the record's execution; registered first, as its functions may call back at once. From
   * `resumeAt` (a state and its input) when given, else from the start.
   */
  function launch(entry: { machine: LoadedStateMachine; runner: StateMachine }, record: ExecutionRecord, resumeAt?: Checkpoint): void {
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
    const runner = resumeAt ? new StateMachine(resumingDefinition(entry.machine.definition, resumeAt), { validationOptions: { noValidate: true } }) : entry.runner
    const execution = runner.run(summary.input as RunInput, {
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
          callbackOpened: (stateName, deadline) => {
            record.openDeadlines.set(stateName, deadline)
            if (record.checkpoint?.state === stateName && record.checkpoint.deadline !== deadline) {
              record.checkpoint = { ...record.checkpoint, deadline }
              persist(record)
            }
            return () => {
              if (record.openDeadlines.get(stateName) === deadline) record.openDeadlines.delete(stateName)
            }
          },
          carriedDeadline: (stateName) => {
            const carried = record.carriedDeadline
            if (carried?.stateName !== stateName) return undefined
            record.carriedDeadline = undefined
            return carried.deadline
          },
          log
        })
      }
    })
    record.abort = execution.abort
    const onStateEntered = (state: { name: string; input: unknown }) => {
      // Top-level states only (a Map or Parallel state's inner states are re-run with it).
      if (closed || !Object.hasOwn(entry.machine.definition.States, state.name)) return
      const deadline = record.openDeadlines.get(state.name)
      record.checkpoint = { state: state.name, input: state.input, ...(deadline === undefined ? {} : { deadline }) }
      persist(record)
    }
    // The library's event log ends with the execution (any way it ends), so waiting for it is safe.
    const logged = followEvents(execution.eventLogs, { fields: logFields(summary), log, onStateEntered })
    record.done = execution.result
      .then((output): Outcome => ({ status: 'SUCCEEDED', output }), outcomeOf)
      .then(async (outcome) => {
        await logged.catch(() => undefined) // a failing logger must not leave the execution RUNNING
        return finish(record, outcome)
      })
  }

  function finish(record: ExecutionRecord, outcome: Outcome): ExecutionSummary {
    Object.assign(record.summary, outcome, { stopDate: new Date() })
    running.delete(record)
    record.checkpoint = undefined
    persist(record)
    // A task still waiting (execution timed out or aborted, a sibling branch failed) fails so the run unwinds.
    tokens.closeExecution(record.summary.executionArn, new UnhandleableTaskError('States.Runtime', `Execution ${outcome.status}`))
    const { status, error, cause } = outcome
    if (status === 'SUCCEEDED') log.info({ ...logFields(record.summary), status }, 'workflow execution succeeded')
    else log.warn({ ...logFields(record.summary), status, error, cause }, 'workflow execution did not succeed')
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
        log.info(logFields(existing.summary), 'workflow execution already exists')
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
      // Saved before StartExecution answers (an execution started is never lost); if that fails, it is not started.
      store?.save(summary, undefined)
      const record: ExecutionRecord = { summary, parked: 0, abort: () => undefined, done: Promise.resolve(summary), openDeadlines: new Map() }
      records.set(executionArn, record)
      running.add(record)
      log.info({ ...logFields(summary), stateMachine: entry.machine.logicalId }, 'workflow execution started')
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

    resume() {
      if (closed) throw new WorkflowApiError('ServiceUnavailable', 'The local workflow runner is closed')
      let resumed = 0
      for (const record of records.values()) {
        const entry = machines.get(record.summary.stateMachineArn)
        if (record.summary.status !== 'RUNNING' || running.has(record)) continue
        if (!entry) {
          // Its state machine left the template: nothing can run it any more.
          finish(record, { status: 'ABORTED', error: 'States.Runtime', cause: 'Its state machine is no longer in the template' })
          continue
        }
        // A state the definition no longer has (the ASL changed in between): from the start, then.
        const checkpoint = record.checkpoint && Object.hasOwn(entry.machine.definition.States, record.checkpoint.state) ? record.checkpoint : undefined
        if (checkpoint?.deadline !== undefined) record.carriedDeadline = { stateName: checkpoint.state, deadline: checkpoint.deadline }
        running.add(record)
        log.info({ ...logFields(record.summary), state: checkpoint?.state ?? '(start)' }, 'workflow execution resumed after a restart')
        launch(entry, record, checkpoint)
        resumed++
      }
      return resumed
    },

    async close() {
      closed = true
      const aborted = [...running]
      for (const record of aborted) record.abort()
      await Promise.allSettled(aborted.map((record) => record.done))
      store?.close()
    }
  }
}

/**
 * The definition with a first state that hands `at.input` to `at.state`: the library starts a run at
 * StartAt with the run's input, and the run's input must stay the execution's (`$$.Execution.Input`).
 */
function resumingDefinition(definition: StateMachineDefinition, at: Checkpoint): StateMachineDefinition {
  const resume = { Type: 'Pass', Result: at.input, Next: at.state }
  return { ...definition, StartAt: RESUME_STATE, States: { ...definition.States, [RESUME_STATE]: resume } } as StateMachineDefinition
}

function isValidName(name: string): boolean {
  const control = [...name].some((character) => {
    const code = character.codePointAt(0) as number
    return code <= 0x1f || (code >= 0x7f && code <= 0x9f)
  })
  return name.length >= 1 && name.length <= 80 && !control && !INVALID_NAME_CHARACTER.test(name)
}

/**
 * Follows the execution's event log: each state entered (for the durable checkpoint), and each
 * state's failure as it happens, logged (Retry or Catch may still handle it: the end alone hides why
 * an execution took a branch).
 */
async function followEvents(
  events: ReturnType<StateMachine['run']>['eventLogs'],
  watch: { fields: object; log: Log; onStateEntered(state: { name: string; input: unknown }): void }
): Promise<void> {
  for await (const event of events) {
    if (event.type === 'StateEntered' && event.index === undefined) watch.onStateEntered(event.state)
    if (event.type === 'StateFailed') watch.log.info({ ...watch.fields, state: event.state.name, error: event.Error, cause: event.Cause }, 'workflow state failed')
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
