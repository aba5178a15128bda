// Defect 2: a DynamoDB outage while the saga settles an order must not strand it. Every Task state
// that touches the store or Stripe retries transient errors for minutes (capped, jittered backoff),
// never retries what cannot succeed, and ends in the Fail state SagaStalled instead of hanging.
//
// The end-to-end tests run the real ASL on the embedded runtime with its retry intervals scaled down
// (IntervalSeconds and MaxDelaySeconds × SCALE; errors, attempts, backoff, jitter and catches as
// written), and stage a real outage: the app reaches DynamoDB Local through a TCP proxy that stops
// listening for OUTAGE_MS as soon as a given saga step first runs.
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { StateMachine } from 'aws-local-stepfunctions'
import t, { type Test } from 'tap'
import { asTaskError, createOrderSagaWorker } from '../../src/workers/order-saga-worker'
import { StoreUnavailableError } from '../../src/domain/errors'
import { PaymentGatewayError } from '../../src/ports/payment-gateway'
import type { OrderSaga } from '../../src/services/order-saga'
import type { EmbeddedRuntime } from '../../src/local/runtime'
import { createLogger } from '../../src/logger'
import { build, projectRoot, sharedDynamoDbLocal } from '../helpers/build'
import { openShop } from '../helpers/orders'
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy'
import { bearer, uniqueEmail } from '../helpers/users'

const ASL_PATH = join(projectRoot, 'statemachine', 'order-processing.asl.json')
/** Where the saga's ASL is read from; SAGA_ASL may name another file (e.g. an older version, to see these tests fail). */
const aslSource = () => process.env.SAGA_ASL ?? ASL_PATH

type Json = Record<string, unknown>
interface Retrier {
  ErrorEquals: string[]
  IntervalSeconds?: number
  MaxAttempts?: number
  BackoffRate?: number
  MaxDelaySeconds?: number
  JitterStrategy?: string
}
interface Catcher {
  ErrorEquals: string[]
  Next: string
  ResultPath?: string | null
}
interface State {
  Type: string
  Retry?: Retrier[]
  Catch?: Catcher[]
  Next?: string
  [field: string]: unknown
}

const definition = () => JSON.parse(readFileSync(aslSource(), 'utf8')) as { States: Record<string, State> }

/** Errors of a saga step that can never succeed on a retry. */
const PERMANENT_ERRORS = ['OrderNotFound', 'OrderNotPayable', 'OrderNotConfirmable', 'InvalidTaskInput']
/** Transient errors every storage/Stripe step must wait out. */
const TRANSIENT_ERRORS = ['StoreUnavailableError', 'TransientStoreError', 'Lambda.ServiceException', 'Lambda.TooManyRequestsException', 'Lambda.SdkClientException']
/** Steps that call Stripe as well. */
const PAYMENT_STATES = new Set(['ReconcilePayment', 'ConfirmOrder', 'ReleaseInventory', 'CancelOrder'])

/** The retrier Step Functions applies to `error` in a Task state: the first one whose ErrorEquals matches. */
function retrierFor(state: State, error: string): Retrier | undefined {
  return state.Retry?.find((retrier) =>
    retrier.ErrorEquals.some((name) => name === error || name === 'States.ALL' || (name === 'States.TaskFailed' && error !== 'States.Timeout'))
  )
}

function catcherFor(state: State, error: string): Catcher | undefined {
  return state.Catch?.find((catcher) =>
    catcher.ErrorEquals.some((name) => name === error || name === 'States.ALL' || (name === 'States.TaskFailed' && error !== 'States.Timeout'))
  )
}

/** Seconds of waiting a retrier allows in total: without jitter, and on average with FULL jitter. */
function coverage(retrier: Retrier): { seconds: number; expectedSeconds: number } {
  const interval = retrier.IntervalSeconds ?? 1
  const rate = retrier.BackoffRate ?? 2
  const attempts = retrier.MaxAttempts ?? 3
  let seconds = 0
  for (let attempt = 0; attempt < attempts; attempt++) seconds += Math.min(interval * rate ** attempt, retrier.MaxDelaySeconds ?? Infinity)
  return { seconds, expectedSeconds: retrier.JitterStrategy === 'FULL' ? seconds / 2 : seconds }
}

t.test('the ASL is valid for Step Functions (schema, and the limits AWS enforces on Retry and Catch)', async (t) => {
  const text = readFileSync(ASL_PATH, 'utf8').replaceAll('${OrderSagaFunctionArn}', 'arn:aws:lambda:us-east-1:123456789012:function:order-saga')
  t.doesNotThrow(() => new StateMachine(JSON.parse(text)), 'asl-validator accepts it')
  for (const [name, state] of Object.entries(definition().States)) {
    for (const [field, list] of [['Retry', state.Retry ?? []], ['Catch', state.Catch ?? []]] as const) {
      list.forEach((entry, index) => {
        const all = entry.ErrorEquals.indexOf('States.ALL')
        if (all >= 0) t.ok(entry.ErrorEquals.length === 1 && index === list.length - 1, `${name}.${field}[${index}]: States.ALL alone and last`)
      })
    }
    for (const retrier of state.Retry ?? []) {
      const where = `${name} retrier ${retrier.ErrorEquals[0]}`
      if (retrier.IntervalSeconds !== undefined) t.ok(Number.isInteger(retrier.IntervalSeconds) && retrier.IntervalSeconds >= 1, `${where}: IntervalSeconds`)
      if (retrier.MaxAttempts !== undefined) t.ok(Number.isInteger(retrier.MaxAttempts) && retrier.MaxAttempts >= 0 && retrier.MaxAttempts <= 99_999_999, `${where}: MaxAttempts`)
      if (retrier.BackoffRate !== undefined) t.ok(retrier.BackoffRate >= 1, `${where}: BackoffRate`)
      if (retrier.MaxDelaySeconds !== undefined) t.ok(Number.isInteger(retrier.MaxDelaySeconds) && retrier.MaxDelaySeconds >= 1 && retrier.MaxDelaySeconds <= 31_622_400, `${where}: MaxDelaySeconds`)
      if (retrier.JitterStrategy !== undefined) t.ok(['FULL', 'NONE'].includes(retrier.JitterStrategy), `${where}: JitterStrategy`)
    }
  }
  t.equal(definition().States.SagaStalled?.Type, 'Fail', 'SagaStalled is a Fail state')
})

t.test('every step that touches the store or Stripe waits out minutes of outage, never retries what cannot succeed, and always has an outcome', async (t) => {
  const states = definition().States
  const tasks = Object.entries(states).filter(([, state]) => state.Type === 'Task')
  t.ok(tasks.length >= 6, `${tasks.length} Task states`)
  t.notOk('SendNotification' in states, 'no notification step: emails come from the notification worker (ORDER_STATUS_UPDATED)')
  for (const [name, state] of tasks) {
    const transient = name === 'AwaitPayment' ? TRANSIENT_ERRORS : [...TRANSIENT_ERRORS, ...(PAYMENT_STATES.has(name) ? ['PaymentGatewayUnavailable'] : [])]
    for (const error of transient) {
      const retrier = retrierFor(state, error)
      const { seconds, expectedSeconds } = retrier ? coverage(retrier) : { seconds: 0, expectedSeconds: 0 }
      t.ok(expectedSeconds >= 180, `${name} waits out ${error} for minutes (${expectedSeconds} s on average, ${seconds} s at most)`)
      t.ok((retrier?.MaxDelaySeconds ?? Infinity) <= 60, `${name}: ${error} retried at least once a minute`)
      t.equal(retrier?.JitterStrategy, 'FULL', `${name}: ${error} retries are jittered (no thundering herd after an outage)`)
    }
    if (name !== 'AwaitPayment') {
      for (const error of PERMANENT_ERRORS) t.equal(retrierFor(state, error)?.MaxAttempts, 0, `${name} does not retry ${error}`)
    }
    for (const error of ['StoreUnavailableError', 'States.TaskFailed', 'SomethingUnexpected']) {
      t.ok(catcherFor(state, error), `${name}: ${error} after the last retry is caught (no execution just dies there)`)
    }
    t.equal(catcherFor(state, 'StoreUnavailableError')?.Next, 'SagaStalled', `${name}: an exhausted outage ends in SagaStalled`)
  }
  const inFlight = retrierFor(states.ReconcilePayment as State, 'PaymentInFlight')
  t.equal(inFlight?.BackoffRate, 1, 'PaymentInFlight is asked again at a steady pace')
  t.ok(inFlight && coverage(inFlight).seconds >= 60, 'for at least a minute')
  t.equal(catcherFor(states.AwaitPayment as State, 'OrderCancelled')?.Next, 'NotPayable', 'a cancel (SendTaskFailure) still reaches NotPayable')
  t.equal(retrierFor(states.AwaitPayment as State, 'OrderCancelled'), undefined, 'and is not retried')
  t.equal(catcherFor(states.AwaitPayment as State, 'States.Timeout')?.Next, 'ReconcilePayment')
})

t.test('the saga worker reports a transient failure under a name the ASL retries', async (t) => {
  const storeDown = new StoreUnavailableError('TimeoutError')
  t.equal(asTaskError(storeDown), storeDown, 'StoreUnavailableError as it is')
  const gatewayDown = asTaskError(new PaymentGatewayError('unavailable', 'Stripe is down')) as Error
  t.equal(gatewayDown.name, 'PaymentGatewayUnavailable')
  t.equal((asTaskError(new PaymentGatewayError('invalid_request', 'no such payment method')) as Error).name, 'PaymentGatewayError', 'a refusal keeps its name')

  const failing = { reconcilePayment: async () => Promise.reject(storeDown) } as unknown as OrderSaga
  const worker = createOrderSagaWorker(failing, createLogger({ LOG_LEVEL: 'silent', RUNTIME_MODE: 'local' }))
  const error = await worker({ task: 'reconcilePayment', orderId: 'o-1' }).then(() => undefined, (caught: unknown) => caught)
  t.equal((error as Error).name, 'StoreUnavailableError', "Lambda's errorType, the name Retry matches")
})

// ---- End to end: a real outage while the saga settles an order ----

const SCALE = 1 / 20
/** 3 s here stand for a one-minute outage on the real retry schedule; the ASL before the fix gave up within 1.6 s. */
const OUTAGE_MS = 3_000
const PAYMENT_WINDOW_SECONDS = 2
const SETTLE_TIMEOUT_MS = 60_000

/** A copy of the project's template and of the ASL with its retry intervals scaled down. */
function scaledProject(t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), 'saga-resilience-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  writeFileSync(join(dir, 'template.yaml'), readFileSync(join(projectRoot, 'template.yaml')))
  const asl = definition()
  for (const state of Object.values(asl.States)) {
    for (const retrier of state.Retry ?? []) {
      retrier.IntervalSeconds = (retrier.IntervalSeconds ?? 1) * SCALE
      if (retrier.MaxDelaySeconds !== undefined) retrier.MaxDelaySeconds *= SCALE
    }
  }
  mkdirSync(join(dir, 'statemachine'))
  writeFileSync(join(dir, 'statemachine', 'order-processing.asl.json'), JSON.stringify(asl))
  return dir
}

/** Makes DynamoDB unreachable for OUTAGE_MS from the moment the saga first runs `task`. */
/**
 * Cuts the store when the saga runs `task`, once `after` has settled: a payment's answer, whose own
 * last writes may still be in flight when the payment's event already drives the saga (the outbox is
 * relayed at once), so an outage begun earlier would fail the payment instead of the saga's step.
 */
function outageWhenSagaRuns(runtime: EmbeddedRuntime, proxy: TcpProxy, task: string, after: Promise<unknown> = Promise.resolve()) {
  const worker = runtime.workers['order-saga']
  if (!worker) throw new Error('no order-saga worker')
  const state = { started: false, ended: Promise.resolve() }
  runtime.workers['order-saga'] = async (event) => {
    if (!state.started && (event as Json).task === task) {
      state.started = true
      await after
      await proxy.setMode('closed')
      state.ended = sleep(OUTAGE_MS).then(() => proxy.setMode('forward'))
    }
    return worker(event)
  }
  return state
}

async function scenario(t: Test, task: string, pay: boolean) {
  const dynamodb = await sharedDynamoDbLocal()
  const proxy = await startTcpProxy(dynamodb.endpoint)
  t.teardown(() => proxy.close())
  const adminEmail = uniqueEmail('admin')
  const { app, runtime, logs } = await build(t, {
    dynamodbEndpoint: proxy.endpoint,
    projectRoot: scaledProject(t),
    env: { BCRYPT_COST: '4', ADMIN_EMAILS: adminEmail, PAYMENT_WINDOW_SECONDS: String(PAYMENT_WINDOW_SECONDS) }
  })
  const shop = await openShop(app, runtime, adminEmail)
  const product = await shop.createProduct({ stock: 5 })
  const customer = await shop.customer()
  const placed = await shop.place(customer.token, [{ productId: product.id, quantity: 2 }])
  t.equal(placed.statusCode, 201)
  const orderId = (placed.body.order as { id: string }).id
  t.equal((await shop.settled(orderId)).status, 'awaiting_payment')

  const payment = pay
    ? app.inject({
        method: 'POST',
        url: '/payments',
        headers: { ...bearer(customer.token), 'idempotency-key': `pay-${orderId}` },
        payload: { orderId, paymentMethodId: 'pm_card_visa' }
      })
    : undefined
  const outage = outageWhenSagaRuns(runtime, proxy, task, payment?.catch(() => undefined))
  if (payment) t.equal((await payment).statusCode, 200, 'paid within the window')

  const execution = runtime.workflow.executions().find((entry) => entry.name === orderId)
  if (!execution) throw new Error('no execution')
  const summary = await Promise.race([
    runtime.workflow.finished(execution.executionArn),
    sleep(SETTLE_TIMEOUT_MS, undefined, { ref: false }).then(() => {
      throw new Error(`the saga did not end within ${SETTLE_TIMEOUT_MS} ms`)
    })
  ])
  await outage.ended
  t.ok(outage.started, `the outage began when ${task} ran`)
  const failures = logs.lines.filter((line) => line.msg === 'workflow state failed' && line.error === 'StoreUnavailableError')
  t.ok(failures.some((line) => line.state !== undefined), `the saga met the outage (${failures.length} failed attempts of ${[...new Set(failures.map((line) => line.state))].join(', ')})`)
  t.equal(summary.status, 'SUCCEEDED', `the saga waited the outage out (${summary.error ?? ''} ${summary.cause ?? ''})`)

  const order = await shop.settled(orderId)
  const stock = await shop.product(product.id)
  return { order, stock }
}

t.test('outage while reconciling at the end of the payment window: cancelled for payment_timeout, stock released', async (t) => {
  const { order, stock } = await scenario(t, 'reconcilePayment', false)
  t.match(order, { status: 'cancelled', cancelReason: 'payment_timeout', reservation: 'released' })
  t.match(stock, { stock: 5, reserved: 0, available: 5 })
})

t.test('outage while releasing the stock: released once, cancelled', async (t) => {
  const { order, stock } = await scenario(t, 'releaseInventory', false)
  t.match(order, { status: 'cancelled', cancelReason: 'payment_timeout', reservation: 'released' })
  t.match(stock, { stock: 5, reserved: 0, available: 5 })
})

t.test('outage while cancelling: cancelled, stock released', async (t) => {
  const { order, stock } = await scenario(t, 'cancelOrder', false)
  t.match(order, { status: 'cancelled', cancelReason: 'payment_timeout', reservation: 'released' })
  t.match(stock, { stock: 5, reserved: 0, available: 5 })
})

t.test('outage while confirming a paid order: confirmed, stock sold', async (t) => {
  const { order, stock } = await scenario(t, 'confirmOrder', true)
  t.match(order, { status: 'confirmed', reservation: 'committed' })
  t.match(stock, { stock: 3, reserved: 0, available: 3 })
})
