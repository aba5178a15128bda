// The local Step Functions runner's executions on disk (with --persist): each execution's summary
// and, while it runs, its checkpoint — the last top-level state entered, that state's input, and the
// deadline of its callback Task if one is open — from which the runner resumes it after a restart.
import { DurableMap } from '../durable-map'
import type { Log } from '../log'
import type { ExecutionSummary } from './workflow'

export interface Checkpoint {
  state: string
  input: unknown
  /** Epoch ms at which the state's open callback Task times out. */
  deadline?: number
}

/** The summary as JSON keeps it (dates as ISO text), with where to resume. */
type StoredExecution = Omit<ExecutionSummary, 'startDate' | 'stopDate'> & {
  startDate: string
  stopDate?: string
  checkpoint?: Checkpoint
}

export interface KeptExecution {
  summary: ExecutionSummary
  checkpoint?: Checkpoint
}

export class ExecutionStore {
  private readonly map: DurableMap<StoredExecution>

  constructor(directory: string, log: Log) {
    this.map = new DurableMap<StoredExecution>(directory, 'executions', log)
  }

  /** Every execution kept, oldest first. */
  load(): KeptExecution[] {
    return [...this.map].map(([, stored]) => {
      const { startDate, stopDate, checkpoint, ...rest } = stored
      const summary: ExecutionSummary = { ...rest, startDate: new Date(startDate), ...(stopDate ? { stopDate: new Date(stopDate) } : {}) }
      return checkpoint ? { summary, checkpoint } : { summary }
    })
  }

  /** Durable once this returns. */
  save(summary: ExecutionSummary, checkpoint: Checkpoint | undefined): void {
    const { startDate, stopDate, ...rest } = summary
    const stored: StoredExecution = {
      ...rest,
      startDate: startDate.toISOString(),
      ...(stopDate ? { stopDate: stopDate.toISOString() } : {}),
      ...(checkpoint && summary.status === 'RUNNING' ? { checkpoint } : {})
    }
    this.map.set(summary.executionArn, stored)
  }

  close(): void {
    this.map.close()
  }
}
