// Workflow port on AWS Step Functions: StartExecution (idempotent per execution name),
// SendTaskSuccess and SendTaskFailure for `.waitForTaskToken` tasks.
import { DescribeExecutionCommand, SendTaskFailureCommand, SendTaskSuccessCommand, StartExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn'
import type { ExecutionStatus, StartExecutionOptions, WorkflowRunner } from '../../ports/workflow'

export interface SfnWorkflowOptions {
  /**
   * The X-Ray trace header to pass on, read per call. Defaults to the one Lambda sets for the
   * current invocation (`_X_AMZN_TRACE_ID`), which links the execution to the request's trace.
   */
  traceHeader?: () => string | undefined
}

/** SFN's limit on traceHeader. */
const MAX_TRACE_HEADER_LENGTH = 256

export class SfnWorkflowRunner implements WorkflowRunner {
  constructor(
    private readonly client: Pick<SFNClient, 'send'>,
    private readonly options: SfnWorkflowOptions = {}
  ) {}

  async start(stateMachineArn: string, input: Record<string, unknown>, options: StartExecutionOptions): Promise<{ executionArn: string }> {
    const traceHeader = (this.options.traceHeader ?? lambdaTraceHeader)()
    const command = new StartExecutionCommand({
      stateMachineArn,
      ...(options.name === undefined ? {} : { name: options.name }),
      input: JSON.stringify({ ...input, correlationId: options.correlationId }),
      ...(traceHeader && traceHeader.length <= MAX_TRACE_HEADER_LENGTH ? { traceHeader } : {})
    })
    try {
      const { executionArn } = await this.client.send(command)
      if (!executionArn) throw new Error('StartExecution returned no executionArn')
      return { executionArn }
    } catch (error) {
      // A retried request (Lambda retry, redelivered message) finds its execution already started.
      if (options.name !== undefined && error instanceof Error && error.name === 'ExecutionAlreadyExists') {
        return { executionArn: executionArnFor(stateMachineArn, options.name) }
      }
      throw error
    }
  }

  async sendTaskSuccess(taskToken: string, output: Record<string, unknown>): Promise<void> {
    await this.client.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(output) }))
  }

  async sendTaskFailure(taskToken: string, error: string, cause: string): Promise<void> {
    await this.client.send(new SendTaskFailureCommand({ taskToken, error, cause }))
  }

  async describe(stateMachineArn: string, name: string): Promise<{ status: ExecutionStatus } | undefined> {
    try {
      const { status } = await this.client.send(new DescribeExecutionCommand({ executionArn: executionArnFor(stateMachineArn, name) }))
      return status ? { status } : undefined
    } catch (error) {
      if (error instanceof Error && error.name === 'ExecutionDoesNotExist') return undefined
      throw error
    }
  }
}

/**
 * The ARN Step Functions gives the execution `name` of this state machine:
 * arn:aws:states:region:account:stateMachine:sm[:version or alias] → arn:aws:states:region:account:execution:sm:name.
 */
export function executionArnFor(stateMachineArn: string, name: string): string {
  const parts = stateMachineArn.split(':')
  if ((parts.length !== 7 && parts.length !== 8) || parts[2] !== 'states' || parts[5] !== 'stateMachine') {
    throw new Error(`Not a state machine ARN: ${stateMachineArn}`)
  }
  return [...parts.slice(0, 5), 'execution', parts[6], name].join(':')
}

function lambdaTraceHeader(): string | undefined {
  return process.env._X_AMZN_TRACE_ID
}
