// The Step Functions workflow adapter sends exactly these requests (Step Functions cannot run here):
// StartExecution with the correlation id in the input, idempotent on ExecutionAlreadyExists,
// SendTaskSuccess with JSON output, SendTaskFailure with error and cause.
import t from 'tap'
import {
  ExecutionAlreadyExists,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  StartExecutionCommand,
  TaskTimedOut,
  type SFNClient
} from '@aws-sdk/client-sfn'
import { executionArnFor, SfnWorkflowRunner } from '../../src/adapters/aws/sfn-workflow'

const stateMachineArn = 'arn:aws:states:eu-west-1:123456789012:stateMachine:commerce-prod-OrderProcessing'

/** A client that records every command and answers with `reply` (or throws what it returns as an Error). */
function recordingClient(reply: (command: unknown) => unknown = () => ({})) {
  const sent: unknown[] = []
  const client = {
    send: async (command: unknown) => {
      sent.push(command)
      const answer = reply(command)
      if (answer instanceof Error) throw answer
      return answer
    }
  } as unknown as Pick<SFNClient, 'send'>
  return { client, sent }
}

const alreadyExists = () => new ExecutionAlreadyExists({ message: 'Execution Already Exists', $metadata: {} })

t.test('start → one StartExecution with name, the input plus correlationId as JSON, and the trace header', async (t) => {
  const executionArn = 'arn:aws:states:eu-west-1:123456789012:execution:commerce-prod-OrderProcessing:order-o-1'
  const { client, sent } = recordingClient(() => ({ executionArn, startDate: new Date() }))
  const runner = new SfnWorkflowRunner(client, { traceHeader: () => 'Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1' })
  const result = await runner.start(stateMachineArn, { orderId: 'o-1', total: 4200 }, { name: 'order-o-1', correlationId: 'corr-1' })
  t.same(result, { executionArn })
  t.equal(sent.length, 1)
  t.type(sent[0], StartExecutionCommand)
  t.same((sent[0] as StartExecutionCommand).input, {
    stateMachineArn,
    name: 'order-o-1',
    input: JSON.stringify({ orderId: 'o-1', total: 4200, correlationId: 'corr-1' }),
    traceHeader: 'Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1'
  })
})

t.test('start without a name or trace header sends neither field', async (t) => {
  const { client, sent } = recordingClient(() => ({ executionArn: `${stateMachineArn.replace(':stateMachine:', ':execution:')}:generated` }))
  await new SfnWorkflowRunner(client, { traceHeader: () => undefined }).start(stateMachineArn, { orderId: 'o-2' }, { correlationId: 'corr-2' })
  t.same((sent[0] as StartExecutionCommand).input, { stateMachineArn, input: JSON.stringify({ orderId: 'o-2', correlationId: 'corr-2' }) })
})

t.test('by default the trace header is the current Lambda invocation’s', async (t) => {
  const previous = process.env._X_AMZN_TRACE_ID
  t.teardown(() => {
    if (previous === undefined) delete process.env._X_AMZN_TRACE_ID
    else process.env._X_AMZN_TRACE_ID = previous
  })
  process.env._X_AMZN_TRACE_ID = 'Root=1-abc;Parent=def;Sampled=1'
  const { client, sent } = recordingClient(() => ({ executionArn: 'arn' }))
  await new SfnWorkflowRunner(client).start(stateMachineArn, {}, { name: 'n', correlationId: 'c' })
  t.equal((sent[0] as StartExecutionCommand).input.traceHeader, 'Root=1-abc;Parent=def;Sampled=1')
})

t.test('ExecutionAlreadyExists for the same name is success: the existing execution’s ARN', async (t) => {
  const { client, sent } = recordingClient(alreadyExists)
  const result = await new SfnWorkflowRunner(client).start(stateMachineArn, { orderId: 'o-1' }, { name: 'order-o-1', correlationId: 'corr-1' })
  t.same(result, { executionArn: 'arn:aws:states:eu-west-1:123456789012:execution:commerce-prod-OrderProcessing:order-o-1' })
  t.equal(sent.length, 1, 'not retried')
})

t.test('other StartExecution errors propagate', async (t) => {
  const { client } = recordingClient(() => new Error('ThrottlingException'))
  await t.rejects(new SfnWorkflowRunner(client).start(stateMachineArn, {}, { name: 'n', correlationId: 'c' }), /ThrottlingException/)
  const unnamed = recordingClient(alreadyExists)
  await t.rejects(new SfnWorkflowRunner(unnamed.client).start(stateMachineArn, {}, { correlationId: 'c' }), { name: 'ExecutionAlreadyExists' }, 'no name: nothing to be idempotent on')
})

t.test('sendTaskSuccess → SendTaskSuccess with the output as JSON', async (t) => {
  const { client, sent } = recordingClient()
  await new SfnWorkflowRunner(client).sendTaskSuccess('token-1', { paymentId: 'pay-1', amount: 4200 })
  t.equal(sent.length, 1)
  t.type(sent[0], SendTaskSuccessCommand)
  t.same((sent[0] as SendTaskSuccessCommand).input, { taskToken: 'token-1', output: JSON.stringify({ paymentId: 'pay-1', amount: 4200 }) })
})

t.test('sendTaskFailure → SendTaskFailure with error and cause', async (t) => {
  const { client, sent } = recordingClient()
  await new SfnWorkflowRunner(client).sendTaskFailure('token-2', 'PaymentFailed', 'card declined')
  t.equal(sent.length, 1)
  t.type(sent[0], SendTaskFailureCommand)
  t.same((sent[0] as SendTaskFailureCommand).input, { taskToken: 'token-2', error: 'PaymentFailed', cause: 'card declined' })
})

t.test('task API errors (e.g. TaskTimedOut) reach the caller with their SFN name', async (t) => {
  const { client } = recordingClient(() => new TaskTimedOut({ message: 'Task Timed Out', $metadata: {} }))
  await t.rejects(new SfnWorkflowRunner(client).sendTaskSuccess('token-3', {}), { name: 'TaskTimedOut' })
})

t.test('executionArnFor builds the ARN Step Functions gives an execution', async (t) => {
  t.equal(executionArnFor(stateMachineArn, 'x'), 'arn:aws:states:eu-west-1:123456789012:execution:commerce-prod-OrderProcessing:x')
  t.equal(executionArnFor(`${stateMachineArn}:prod`, 'x'), 'arn:aws:states:eu-west-1:123456789012:execution:commerce-prod-OrderProcessing:x', 'alias-qualified')
  t.throws(() => executionArnFor('arn:aws:sqs:eu-west-1:123456789012:queue', 'x'), /Not a state machine ARN/)
})
