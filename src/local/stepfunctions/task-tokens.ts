// Task tokens of `.waitForTaskToken` states run locally. A token is issued when the definition reads
// `$$.Task.Token`, opened when its Task hands it to the function, and closed by SendTaskSuccess or
// SendTaskFailure, by the state's timeout, or when the execution ends. Callers get the errors SFN
// gives: InvalidToken for a string that is no token, TaskTimedOut for a token whose task is closed
// (SFN's answer for both "expired" and "already used"), TaskDoesNotExist for one nobody is waiting on.
import { randomUUID } from 'node:crypto'
import { withResolvers } from './promise-with-resolvers'
import { TaskError, WorkflowApiError } from './errors'

interface OpenTask {
  stateName: string
  /** Date.now() at which the state times out. */
  deadline: number
  resolve(output: unknown): void
  reject(error: Error): void
  /** Called once when the task closes, however it closes. */
  onClose(): void
  timer?: ReturnType<typeof setTimeout>
}

interface TokenEntry {
  executionArn: string
  open?: OpenTask
}

export interface OpenTaskOptions {
  stateName: string
  timeoutMs: number
  onClose(): void
}

/** SFN's limit on SendTaskSuccess output (256 KiB of UTF-8). */
const MAX_OUTPUT_BYTES = 262_144

export class TaskTokens {
  private readonly entries = new Map<string, TokenEntry>()
  private readonly byExecution = new Map<string, Set<string>>()

  /** @param executionExists whether the runner knows this execution (its tokens then answer TaskTimedOut once closed). */
  constructor(private readonly executionExists: (executionArn: string) => boolean) {}

  /** A new token for a task of this execution (the value of `$$.Task.Token`). */
  issue(executionArn: string): string {
    const token = Buffer.from(JSON.stringify({ e: executionArn, n: randomUUID() })).toString('base64url')
    this.entries.set(token, { executionArn })
    const tokens = this.byExecution.get(executionArn) ?? new Set<string>()
    tokens.add(token)
    this.byExecution.set(executionArn, tokens)
    return token
  }

  /** The first string in `payload` that is a token issued to this execution and not yet handed out. */
  findIssued(executionArn: string, payload: unknown): string | undefined {
    if (typeof payload === 'string') {
      const entry = this.entries.get(payload)
      return entry && entry.executionArn === executionArn && !entry.open ? payload : undefined
    }
    if (payload === null || typeof payload !== 'object') return undefined
    for (const value of Object.values(payload)) {
      const token = this.findIssued(executionArn, value)
      if (token) return token
    }
    return undefined
  }

  /**
   * Opens the task: the returned promise settles with SendTaskSuccess's output or SendTaskFailure's
   * error. On timeout it stays pending: the library's own timer has already failed the state with
   * its States.Timeout, which is the error Retry and Catch must see.
   */
  open(token: string, options: OpenTaskOptions): Promise<unknown> {
    const entry = this.entries.get(token)
    if (!entry || entry.open) throw new Error('task token is not an issued, unopened token')
    const { promise, resolve, reject } = withResolvers<unknown>()
    promise.catch(() => undefined) // the Task may fail before anyone awaits this
    const open: OpenTask = { stateName: options.stateName, deadline: Date.now() + options.timeoutMs, resolve, reject, onClose: options.onClose }
    entry.open = open
    // Scheduled after the library's timer for the same state (it is set once this Task's handler
    // returns), so with the same delay it fires right after it, in the same turn of the event loop.
    queueMicrotask(() => {
      if (this.entries.get(token)?.open !== open) return
      open.timer = setTimeout(() => this.close(token), options.timeoutMs)
      open.timer.unref()
    })
    return promise
  }

  isOpen(token: string): boolean {
    return this.entries.get(token)?.open !== undefined
  }

  /** Closes the task without settling it (its function failed, so the Task fails with that error). */
  abandon(token: string): void {
    this.close(token)
  }

  succeed(token: string, output: unknown): void {
    let json: string | undefined
    try {
      json = JSON.stringify(output)
    } catch {
      json = undefined
    }
    if (json === undefined || Buffer.byteLength(json) > MAX_OUTPUT_BYTES) {
      throw new WorkflowApiError('InvalidOutput', 'The provided JSON output data is invalid or larger than 256 KiB.')
    }
    this.take(token).resolve(JSON.parse(json))
  }

  fail(token: string, error: string, cause: string): void {
    if (error.length > 256) throw new WorkflowApiError('ValidationException', 'error must be at most 256 characters')
    if (cause.length > 32_768) throw new WorkflowApiError('ValidationException', 'cause must be at most 32768 characters')
    this.take(token).reject(new TaskError(error, cause))
  }

  /** The execution ended: its tokens close, and a task still waiting fails with `reason` so the run can unwind. */
  closeExecution(executionArn: string, reason: Error): void {
    for (const token of this.byExecution.get(executionArn) ?? []) {
      this.entries.get(token)?.open?.reject(reason)
      this.close(token)
    }
    this.byExecution.delete(executionArn)
  }

  /** The open task of this token, closed; or the API error SFN gives for it. */
  private take(token: string): OpenTask {
    const entry = this.entries.get(token)
    if (!entry?.open) {
      const executionArn = entry?.executionArn ?? executionOf(token)
      if (executionArn === undefined) throw new WorkflowApiError('InvalidToken', 'Invalid Token')
      if (entry || !this.executionExists(executionArn)) throw new WorkflowApiError('TaskDoesNotExist', 'Task does not exist')
      throw new WorkflowApiError('TaskTimedOut', 'Task Timed Out')
    }
    const { open } = entry
    this.close(token)
    if (Date.now() >= open.deadline) throw new WorkflowApiError('TaskTimedOut', 'Task Timed Out')
    return open
  }

  private close(token: string): void {
    const entry = this.entries.get(token)
    if (!entry) return
    this.entries.delete(token)
    this.byExecution.get(entry.executionArn)?.delete(token)
    if (entry.open) {
      clearTimeout(entry.open.timer)
      entry.open.onClose()
    }
  }
}

/** The execution ARN inside a well-formed token; undefined when the string is not one of ours. */
function executionOf(token: string): string | undefined {
  try {
    const decoded = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { e?: unknown; n?: unknown }
    return typeof decoded.e === 'string' && typeof decoded.n === 'string' ? decoded.e : undefined
  } catch {
    return undefined
  }
}
