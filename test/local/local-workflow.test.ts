// The local Step Functions runner runs the real ASL of a template's state machines
// (fixtures/workflow.template.yaml, fixtures/workflow.asl.json): Tasks call the template's functions
// (recorded here), Retry and Catch see the functions' error names, callback tasks resume on
// sendTaskSuccess/sendTaskFailure and time out with States.Timeout, API errors carry SFN's names.
// With a data folder, executions survive a restart and those in flight resume where they were.
import { cpSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t, { type Test } from 'tap'
import { createStateMachineRunner, type InvokeFunction, type StateMachineRunner, type TaskInvocationContext } from '../../src/local/stepfunctions/workflow'
import { resourceNames } from '../../src/local/template/names'
import { loadTemplate, parseTemplate } from '../../src/local/template/template'

const fixtures = fileURLToPath(new URL('../fixtures/', import.meta.url))
const template = loadTemplate(join(fixtures, 'workflow.template.yaml'))
const names = resourceNames(template, { stackName: 'wf' })
const orderWorkflow = names.ref('OrderWorkflow') as string
const heartbeatWorkflow = names.ref('HeartbeatWorkflow') as string

type Event = Record<string, unknown>
type Behaviour = (event: Event, attempt: number) => unknown
interface Call {
  functionLogicalId: string
  event: Event
  context: TaskInvocationContext
}

const named = (name: string, message: string) => Object.assign(new Error(message), { name })

const defaults: Record<string, Behaviour> = {
  ReserveFunction: (event) => ({ reserved: true, orderId: event.orderId }),
  // A callback task's function result is ignored: the task waits for its token.
  AwaitPaymentFunction: () => ({ stored: true }),
  ConfirmFunction: (event) => ({ confirmed: true, paymentId: event.paymentId }),
  CompensateFunction: () => ({ released: true })
}

/** A runner on the fixture template whose functions are recorded and behave as `behaviour` says (else as `defaults`). */
function setup(t: Test, behaviour: Record<string, Behaviour> = {}, dataDir?: string) {
  const calls: Call[] = []
  const invoke: InvokeFunction = async (functionLogicalId, event, context) => {
    calls.push({ functionLogicalId, event: event as Event, context })
    const attempt = calls.filter((call) => call.functionLogicalId === functionLogicalId).length
    const run = behaviour[functionLogicalId] ?? defaults[functionLogicalId]
    if (!run) throw new Error(`unexpected function ${functionLogicalId}`)
    return run(event as Event, attempt)
  }
  const logs: Array<{ level: string; msg: string } & Record<string, unknown>> = []
  const record = (level: string) => (obj: object, msg: string) => void logs.push({ level, msg, ...obj })
  const log = { debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error') }
  const workflow = createStateMachineRunner({ template, names, projectRoot: fixtures, invoke, log, dataDir })
  t.teardown(() => workflow.close())
  const callsTo = (functionLogicalId: string) => calls.filter((call) => call.functionLogicalId === functionLogicalId)
  return { workflow, calls, callsTo, logs }
}

/** Starts the order saga and waits until it stands still (parked on the payment callback, or ended). */
async function startOrder(workflow: StateMachineRunner, orderId: string, paymentWindowSeconds = 300) {
  const { executionArn } = await workflow.start(orderWorkflow, { orderId, paymentWindowSeconds }, { name: `order-${orderId}`, correlationId: `corr-${orderId}` })
  await workflow.idle()
  return executionArn
}

const tokenOf = (call: Call | undefined) => call?.event.taskToken as string

t.test('happy path: function ARN task, callback resumed by sendTaskSuccess, lambda:invoke task', async (t) => {
  const { workflow, calls, callsTo } = setup(t)
  const executionArn = await startOrder(workflow, 'o-1')
  t.equal(executionArn, 'arn:aws:states:local:000000000000:execution:wf-OrderWorkflow:order-o-1')
  t.match(workflow.executions(), [{ executionArn, stateMachineArn: orderWorkflow, name: 'order-o-1', status: 'RUNNING' }], 'parked, not ended')

  t.same(callsTo('ReserveFunction').map((call) => call.event), [{ orderId: 'o-1', correlationId: 'corr-o-1' }], 'the Parameters, as the event')
  const [awaitPayment] = callsTo('AwaitPaymentFunction')
  t.same(awaitPayment?.event, { orderId: 'o-1', taskToken: tokenOf(awaitPayment), correlationId: 'corr-o-1' }, 'the Payload, with the task token')
  t.match(tokenOf(awaitPayment), /^[\w-]{20,}$/)
  t.same(awaitPayment?.context, { executionArn, stateMachineArn: orderWorkflow, stateName: 'AwaitPayment', correlationId: 'corr-o-1' })
  t.equal(calls.length, 2, 'nothing after the callback task yet')

  await workflow.sendTaskSuccess(tokenOf(awaitPayment), { paymentId: 'pay-1' })
  const summary = await workflow.finished(executionArn)
  t.equal(summary.status, 'SUCCEEDED')
  t.same(summary.input, { orderId: 'o-1', paymentWindowSeconds: 300, correlationId: 'corr-o-1' })
  t.same(summary.output, {
    orderId: 'o-1',
    paymentWindowSeconds: 300,
    correlationId: 'corr-o-1',
    reservation: { reserved: true, orderId: 'o-1' },
    payment: { paymentId: 'pay-1' },
    confirmation: { confirmed: true, statusCode: 200 }
  }, 'the callback output went to the next state; lambda:invoke returned { Payload, StatusCode }')
  t.same(callsTo('ConfirmFunction').map((call) => call.event), [{ orderId: 'o-1', paymentId: 'pay-1', correlationId: 'corr-o-1' }])
  t.equal(callsTo('CompensateFunction').length, 0)
  t.ok(summary.stopDate && summary.stopDate >= summary.startDate)

  await t.rejects(workflow.sendTaskSuccess(tokenOf(awaitPayment), {}), { name: 'TaskTimedOut' }, 'a used token is closed, as SFN answers')
})

t.test('task token errors carry SFN names', async (t) => {
  const { workflow } = setup(t)
  await t.rejects(workflow.sendTaskSuccess('not a token', {}), { name: 'InvalidToken' })
  await t.rejects(workflow.sendTaskFailure('bm90LWpzb24', 'E', 'c'), { name: 'InvalidToken' })
  const wellFormed = Buffer.from(JSON.stringify({ e: `${orderWorkflow.replace(':stateMachine:', ':execution:')}:gone`, n: 'x' })).toString('base64url')
  await t.rejects(workflow.sendTaskSuccess(wellFormed, {}), { name: 'TaskDoesNotExist' }, 'a token of no execution this runner knows')
})

t.test('a worker can complete its callback while it is still being invoked', async (t) => {
  const box: { workflow?: StateMachineRunner } = {}
  const { workflow } = setup(t, {
    AwaitPaymentFunction: async (event) => {
      await box.workflow?.sendTaskSuccess(event.taskToken as string, { paymentId: 'pay-fast' })
      return null
    }
  })
  box.workflow = workflow
  const executionArn = await startOrder(workflow, 'o-fast')
  t.match(await workflow.finished(executionArn), { status: 'SUCCEEDED', output: { payment: { paymentId: 'pay-fast' } } })
})

t.test('Retry: a transient error is retried and the second attempt succeeds', async (t) => {
  const { workflow, callsTo } = setup(t, {
    ReserveFunction: (event, attempt) => {
      if (attempt === 1) throw named('TransientError', 'throttled')
      return { reserved: true, orderId: event.orderId }
    }
  })
  const executionArn = await startOrder(workflow, 'o-2')
  t.equal(callsTo('ReserveFunction').length, 2)
  t.equal(callsTo('AwaitPaymentFunction').length, 1, 'went on to the next state')
  t.equal(callsTo('CompensateFunction').length, 0)

  await workflow.close()
  const [summary] = workflow.executions()
  t.match(summary, { executionArn, status: 'ABORTED' }, 'close() aborts running executions')
  await t.rejects(workflow.sendTaskSuccess(tokenOf(callsTo('AwaitPaymentFunction')[0]), {}), { name: 'TaskTimedOut' })
  await t.rejects(workflow.start(orderWorkflow, {}, { correlationId: 'c' }), /closed/)
})

t.test('Catch: a function error routes to the compensation branch under its name, with Lambda’s cause', async (t) => {
  const { workflow, callsTo } = setup(t, {
    ReserveFunction: () => {
      throw named('OutOfStockError', 'SKU-1 is out of stock')
    }
  })
  const summary = await workflow.finished(await startOrder(workflow, 'o-3'))
  t.same(callsTo('CompensateFunction').map((call) => call.event), [
    {
      orderId: 'o-3',
      error: 'OutOfStockError',
      cause: JSON.stringify({ errorMessage: 'SKU-1 is out of stock', errorType: 'OutOfStockError' }),
      correlationId: 'corr-o-3'
    }
  ])
  t.equal(callsTo('ReserveFunction').length, 1, 'not a retried error')
  t.equal(callsTo('AwaitPaymentFunction').length, 0)
  t.match(summary, { status: 'FAILED', error: 'OrderCancelled', cause: 'The order was cancelled' }, 'ended by the Fail state')
})

t.test('the log tells an execution’s story under its correlation id', async (t) => {
  const { workflow, logs } = setup(t, {
    ReserveFunction: () => {
      throw named('OutOfStockError', 'SKU-1 is out of stock')
    }
  })
  const executionArn = await startOrder(workflow, 'o-log')
  await workflow.finished(executionArn)
  const fields = { executionArn, correlationId: 'corr-o-log' }
  t.match(logs, [
    { level: 'info', msg: 'workflow execution started', ...fields, stateMachine: 'OrderWorkflow' },
    { level: 'info', msg: 'workflow state failed', ...fields, state: 'Reserve', error: 'OutOfStockError' },
    { level: 'info', msg: 'workflow state failed', ...fields, state: 'Cancelled', error: 'OrderCancelled' },
    { level: 'warn', msg: 'workflow execution did not succeed', ...fields, status: 'FAILED', error: 'OrderCancelled' }
  ])
  t.equal(logs.length, 4)
})

t.test('an uncaught function error fails the execution (recorded, never thrown)', async (t) => {
  const { workflow, callsTo } = setup(t, {
    ReserveFunction: () => {
      throw named('BoomError', 'kaput')
    }
  })
  const summary = await workflow.finished(await startOrder(workflow, 'o-4'))
  t.match(summary, { status: 'FAILED', error: 'BoomError', cause: JSON.stringify({ errorMessage: 'kaput', errorType: 'BoomError' }) })
  t.equal(callsTo('ReserveFunction').length, 1)
})

t.test('sendTaskFailure: Catch sees the given error name and cause', async (t) => {
  const { workflow, callsTo } = setup(t)
  const executionArn = await startOrder(workflow, 'o-5')
  await workflow.sendTaskFailure(tokenOf(callsTo('AwaitPaymentFunction')[0]), 'PaymentFailed', 'card declined')
  const summary = await workflow.finished(executionArn)
  t.same(callsTo('CompensateFunction').map((call) => call.event), [{ orderId: 'o-5', error: 'PaymentFailed', cause: 'card declined', correlationId: 'corr-o-5' }])
  t.equal(callsTo('ConfirmFunction').length, 0)
  t.match(summary, { status: 'FAILED', error: 'OrderCancelled' })
})

t.test('a callback not completed within TimeoutSecondsPath (read from the state input) fails with States.Timeout', async (t) => {
  const { workflow, callsTo } = setup(t)
  const executionArn = await startOrder(workflow, 'o-6', 1)
  const summary = await workflow.finished(executionArn)
  t.match(callsTo('CompensateFunction').map((call) => call.event), [{ orderId: 'o-6', error: 'States.Timeout' }], 'caught')
  t.equal(callsTo('ConfirmFunction').length, 0)
  t.match(summary, { status: 'FAILED', error: 'OrderCancelled' })
  await t.rejects(workflow.sendTaskSuccess(tokenOf(callsTo('AwaitPaymentFunction')[0]), { paymentId: 'late' }), { name: 'TaskTimedOut' }, 'too late, as SFN answers')
})

t.test('HeartbeatSeconds limits a callback too, and States.TaskFailed does not catch States.Timeout', async (t) => {
  const { workflow, callsTo } = setup(t)
  const { executionArn } = await workflow.start(heartbeatWorkflow, { orderId: 'o-7' }, { correlationId: 'corr-o-7' })
  const summary = await workflow.finished(executionArn)
  t.same(callsTo('AwaitPaymentFunction').map((call) => call.event.orderId), ['o-7'])
  t.match(summary, { status: 'FAILED', error: 'States.Timeout' })
})

t.test('start is idempotent per execution name; without a name each start is a new execution', async (t) => {
  const { workflow, callsTo } = setup(t)
  const first = await workflow.start(orderWorkflow, { orderId: 'o-8', paymentWindowSeconds: 300 }, { name: 'order-o-8', correlationId: 'c-1' })
  const second = await workflow.start(orderWorkflow, { orderId: 'o-8', paymentWindowSeconds: 300 }, { name: 'order-o-8', correlationId: 'c-2' })
  t.same(second, first)
  await workflow.idle()
  t.equal(workflow.executions().length, 1)
  t.equal(callsTo('ReserveFunction').length, 1)

  const unnamed = await workflow.start(orderWorkflow, { orderId: 'o-9', paymentWindowSeconds: 300 }, { correlationId: 'c-3' })
  t.match(unnamed.executionArn, /:execution:wf-OrderWorkflow:[0-9a-f-]{36}$/)
  await workflow.idle()
  t.equal(workflow.executions().length, 2)
})

t.test('start errors carry SFN names', async (t) => {
  const { workflow } = setup(t)
  await t.rejects(workflow.start(orderWorkflow.replace('OrderWorkflow', 'Nope'), {}, { correlationId: 'c' }), { name: 'StateMachineDoesNotExist' })
  await t.rejects(workflow.start(orderWorkflow, {}, { name: 'has space', correlationId: 'c' }), { name: 'InvalidName' })
  await t.rejects(workflow.start(orderWorkflow, {}, { name: 'x'.repeat(81), correlationId: 'c' }), { name: 'InvalidName' })
  await t.rejects(workflow.start(orderWorkflow, { blob: 'x'.repeat(262_144) }, { correlationId: 'c' }), { name: 'InvalidExecutionInput' })
  t.same(workflow.executions(), [])
})

t.test('a definition the runner cannot run locally is refused at creation, naming the state', async (t) => {
  const withTask = (task: string) =>
    parseTemplate(`
Resources:
  Fn: { Type: AWS::Serverless::Function, Properties: { Handler: fn.handler } }
  Machine:
    Type: AWS::Serverless::StateMachine
    Properties:
      Definition:
        StartAt: Step
        States:
          Step: { Type: Task, ${task}, End: true }
`)
  const create = (task: string) => {
    const template = withTask(task)
    return () => createStateMachineRunner({ template, names: resourceNames(template, { stackName: 's' }), projectRoot: fixtures, invoke: async () => null })
  }
  t.throws(create('Resource: "arn:aws:lambda:local:000000000000:function:s-Other"'), /Task state 'Step'.*not a function of the template/)
  t.throws(create('Resource: "arn:aws:states:::sqs:sendMessage", Parameters: { QueueUrl: q, MessageBody: m }'), /Task state 'Step'.*not emulated locally/)
  t.throws(create('Resource: "arn:aws:states:::lambda:invoke", Parameters: { FunctionName: nope }'), /FunctionName nope is not a function/)
  t.doesNotThrow(create('Resource: !GetAtt Fn.Arn'))
})

/** A fresh folder for a runner's executions, removed after the test. */
function dataFolder(t: Test): string {
  const folder = mkdtempSync(join(tmpdir(), 'local-workflow-'))
  t.teardown(() => rmSync(folder, { recursive: true, force: true }))
  return folder
}

t.test('with a data folder: after a restart, ended executions stay ended and those in flight resume at their state, keeping deadlines', async (t) => {
  const dataDir = dataFolder(t)
  const before = setup(t, {}, dataDir)
  const paid = await startOrder(before.workflow, 'o-10')
  await before.workflow.sendTaskSuccess(tokenOf(before.callsTo('AwaitPaymentFunction')[0]), { paymentId: 'pay-10' })
  await before.workflow.finished(paid)
  const waiting = await startOrder(before.workflow, 'o-11', 300)
  const expiring = await startOrder(before.workflow, 'o-12', 4)
  const oldToken = tokenOf(before.callsTo('AwaitPaymentFunction').find((call) => call.event.orderId === 'o-11'))
  await new Promise((resolve) => setTimeout(resolve, 2000)) // half of o-12's payment window passes
  // The files as a SIGKILL would leave them now; the runner then stops (it must not run on as well).
  const crashed = dataFolder(t)
  cpSync(dataDir, crashed, { recursive: true })
  await before.workflow.close()

  const after = setup(t, {}, crashed)
  t.match(
    after.workflow.executions().map(({ name, status, input }) => ({ name, status, input })),
    [
      { name: 'order-o-10', status: 'SUCCEEDED' },
      { name: 'order-o-11', status: 'RUNNING', input: { orderId: 'o-11', paymentWindowSeconds: 300, correlationId: 'corr-o-11' } },
      { name: 'order-o-12', status: 'RUNNING' }
    ],
    'every execution is known again, as it was'
  )
  t.same(await after.workflow.describe(orderWorkflow, 'order-o-10'), { status: 'SUCCEEDED' })
  t.same(await after.workflow.describe(orderWorkflow, 'order-o-11'), { status: 'RUNNING' })
  t.same(await after.workflow.start(orderWorkflow, { orderId: 'o-10', paymentWindowSeconds: 300 }, { name: 'order-o-10', correlationId: 'c' }), { executionArn: paid }, 'its name is still taken')

  const resumedAt = Date.now()
  t.equal(after.workflow.resume(), 2, 'the two in flight are resumed')
  await after.workflow.idle()
  t.equal(after.callsTo('ReserveFunction').length, 0, 'from the state they were in, not from the start')
  t.same(after.callsTo('AwaitPaymentFunction').map((call) => call.event.orderId).sort(), ['o-11', 'o-12'], 'the callback Task runs again, with a new token')
  await t.rejects(after.workflow.sendTaskSuccess(oldToken, { paymentId: 'stale' }), { name: 'TaskTimedOut' }, 'a token from before the restart is closed')

  const newToken = tokenOf(after.callsTo('AwaitPaymentFunction').find((call) => call.event.orderId === 'o-11'))
  t.not(newToken, oldToken)
  await after.workflow.sendTaskSuccess(newToken, { paymentId: 'pay-11' })
  const confirmed = await after.workflow.finished(waiting)
  t.equal(confirmed.status, 'SUCCEEDED')
  t.match(confirmed.output, { reservation: { reserved: true, orderId: 'o-11' }, payment: { paymentId: 'pay-11' } }, 'the state input from before the restart carried on')
  t.same(after.callsTo('ConfirmFunction').map((call) => call.event), [{ orderId: 'o-11', paymentId: 'pay-11', correlationId: 'corr-o-11' }], '$$.Execution.Input is still the execution input')
  t.equal(confirmed.executionArn, waiting, 'same name and ARN')

  const timedOut = await after.workflow.finished(expiring)
  const waited = Date.now() - resumedAt
  t.match(timedOut, { status: 'FAILED', error: 'OrderCancelled' })
  t.match(after.callsTo('CompensateFunction').map((call) => call.event), [{ orderId: 'o-12', error: 'States.Timeout' }])
  t.ok(waited < 3500, `timed out at the deadline it had (after ${waited} ms), not a full 4 s window after the restart`)
  await after.workflow.close()

  const third = setup(t, {}, crashed)
  t.same(
    third.workflow.executions().map(({ name, status }) => ({ name, status })),
    [
      { name: 'order-o-10', status: 'SUCCEEDED' },
      { name: 'order-o-11', status: 'SUCCEEDED' },
      { name: 'order-o-12', status: 'FAILED' }
    ],
    'how they ended is kept too'
  )
  t.equal(third.workflow.resume(), 0)
})

t.test('with a data folder: an execution cut off before its first state runs from the start', async (t) => {
  const dataDir = dataFolder(t)
  let release: (value: unknown) => void = () => undefined
  const before = setup(t, { ReserveFunction: () => new Promise((resolve) => (release = resolve)) }, dataDir)
  await before.workflow.start(orderWorkflow, { orderId: 'o-13', paymentWindowSeconds: 300 }, { name: 'order-o-13', correlationId: 'corr-o-13' })
  await new Promise((resolve) => setTimeout(resolve, 50))
  await before.workflow.close()
  release({ reserved: true }) // the function ends after the crash (its result lost with the run)

  const after = setup(t, {}, dataDir)
  t.equal(after.workflow.resume(), 1)
  await after.workflow.idle()
  t.same(after.callsTo('ReserveFunction').map((call) => call.event), [{ orderId: 'o-13', correlationId: 'corr-o-13' }], 'Reserve runs again: it was under way')
  t.equal(after.callsTo('AwaitPaymentFunction').length, 1)
})
