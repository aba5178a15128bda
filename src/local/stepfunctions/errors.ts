// Errors of the local Step Functions runner. API errors carry the names SFN's API uses (InvalidToken,
// TaskTimedOut, …) so callers handle them exactly as they handle the AWS SDK's exceptions. Task
// errors are what a Task raises into the state machine: their name is the ASL error name that
// Retry and Catch match, their message the Cause.

export class WorkflowApiError extends Error {
  constructor(name: string, message: string) {
    super(message)
    this.name = name
  }
}

export class TaskError extends Error {
  constructor(errorName: string, cause: string) {
    super(cause)
    this.name = errorName
  }
}

/** A Task error no Retry or Catch may handle, as States.Runtime on AWS (aws-local-stepfunctions reads these two flags). */
export class UnhandleableTaskError extends TaskError {
  readonly isRetryable = false
  readonly isCatchable = false
}

/**
 * What a Lambda function's error becomes in the state machine, as on AWS: the error name is the
 * errorType (the thrown error's `name`), the cause the JSON the Lambda runtime reports.
 */
export function lambdaFunctionError(error: unknown): TaskError {
  const errorType = error instanceof Error ? error.name : 'Error'
  const errorMessage = error instanceof Error ? error.message : String(error)
  return new TaskError(errorType, JSON.stringify({ errorMessage, errorType }))
}
