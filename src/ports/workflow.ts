// Port: start and resume workflow executions. AWS: Step Functions (adapters/aws/sfn-workflow.ts).
// Local: aws-local-stepfunctions running the same ASL file (src/local/stepfunctions/workflow.ts).

export interface StartExecutionOptions {
  /** Execution name; starting a second execution with the same name and input is a no-op. */
  name?: string
  correlationId: string
}

export interface WorkflowRunner {
  /** Starts the state machine with this ARN. The correlation id is added to the input as `correlationId`. */
  start(stateMachineArn: string, input: Record<string, unknown>, options: StartExecutionOptions): Promise<{ executionArn: string }>
  /** Resumes a `.waitForTaskToken` task successfully with this output. */
  sendTaskSuccess(taskToken: string, output: Record<string, unknown>): Promise<void>
  /** Fails a `.waitForTaskToken` task with this error name and cause. */
  sendTaskFailure(taskToken: string, error: string, cause: string): Promise<void>
  /**
   * The status of the execution named `name` of this state machine, or undefined if there is none
   * (never started, or lost by a crash of the embedded runtime). The recovery sweeper uses it to find
   * orders whose saga is missing or has ended without settling them.
   */
  describe(stateMachineArn: string, name: string): Promise<{ status: ExecutionStatus } | undefined>
}

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED' | 'PENDING_REDRIVE'
