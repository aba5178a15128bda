// The Idempotency-Key mechanism against DynamoDB Local with the real template's tables: stored and
// replayed responses, fingerprints, 20 concurrent requests with one key, what is not stored, crashed
// requests' leases, expiry, scopes; and the Fastify glue (header validation, replay header) over HTTP.
import { randomBytes, randomUUID } from 'node:crypto'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { Type } from '@sinclair/typebox'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { DynamoIdempotencyStore } from '../../src/adapters/dynamodb/idempotency-store'
import { dynamoDbLocalClientConfig } from '../../src/local/dynamodb/dynamodb-local'
import { createTablesFromTemplate } from '../../src/local/dynamodb/create-tables'
import type { EmbeddedRuntime } from '../../src/local/runtime'
import { documentClient } from '../../src/composition/builders'
import {
  ConflictError,
  IdempotencyKeyReuseError,
  PaymentDeclinedError,
  ServiceUnavailableError,
  TooManyRequestsError,
  ValidationError
} from '../../src/domain/errors'
import { resourceNames } from '../../src/local/template/names'
import { loadTemplate } from '../../src/local/template/template'
import { idempotencyKeyOf, idempotencyKeyPlugin, replyIdempotently } from '../../src/plugins/idempotency-key'
import type { IdempotencyClaim, IdempotencyRecord, IdempotencyStore, StoredResponse } from '../../src/ports/idempotency-store'
import { Idempotency, requestFingerprint } from '../../src/services/idempotency'
import { build, projectRoot, sharedDynamoDbLocal } from '../helpers/build'

const HOUR_MS = 3_600_000

async function realStore(t: Test): Promise<DynamoIdempotencyStore> {
  const dynamodb = await sharedDynamoDbLocal()
  const template = loadTemplate(join(projectRoot, 'template.yaml'))
  const names = resourceNames(template, { stackName: `idem${randomBytes(4).toString('hex')}`, parameters: { JwtSecret: 'x'.repeat(32) } })
  const client = new DynamoDBClient(dynamoDbLocalClientConfig(dynamodb.endpoint))
  t.teardown(() => client.destroy())
  await createTablesFromTemplate(client, template, names)
  return new DynamoIdempotencyStore(documentClient(client), String(names.ref('IdempotencyTable')))
}

/** An operation that counts its runs and answers 201 with a fresh id each time. */
function counted(body: Record<string, unknown> = {}) {
  const operation = async (): Promise<StoredResponse> => {
    operation.calls++
    return { statusCode: 201, body: { id: randomUUID(), ...body } }
  }
  operation.calls = 0
  return operation
}

function key(): string {
  return `key-${randomUUID()}`
}

t.test('first run stores the response; a replay returns it without running the operation', async (t) => {
  const store = await realStore(t)
  const idempotency = new Idempotency(store)
  const operation = counted({ total: 1999 })
  const k = key()

  const first = await idempotency.run('orders:u1', k, { items: [{ productId: 'p1', quantity: 2 }] }, operation)
  t.equal(first.statusCode, 201)
  t.equal(first.replayed, false)
  const stored = await store.get('orders:u1', k, Date.now())
  t.same(stored, { status: 'completed', fingerprint: requestFingerprint({ items: [{ productId: 'p1', quantity: 2 }] }), response: { statusCode: 201, body: first.body } })

  const again = await idempotency.run('orders:u1', k, { items: [{ quantity: 2, productId: 'p1' }] }, operation)
  t.same(again, { statusCode: 201, body: first.body, replayed: true }, 'same status and body; key order does not change the fingerprint')
  t.equal(operation.calls, 1)
})

t.test('the same key with a different request is refused (422) and runs nothing', async (t) => {
  const idempotency = new Idempotency(await realStore(t))
  const operation = counted()
  const k = key()
  await idempotency.run('orders:u1', k, { items: [{ productId: 'p1', quantity: 2 }] }, operation)
  await t.rejects(idempotency.run('orders:u1', k, { items: [{ productId: 'p1', quantity: 3 }] }, operation), IdempotencyKeyReuseError)
  t.equal(operation.calls, 1)
})

/** The real store, counting claims that did not succeed (so a test knows every request has arrived). */
class ClaimCountingStore implements IdempotencyStore {
  failedClaims = 0
  private readonly waiters: Array<{ count: number; resolve: () => void }> = []

  constructor(private readonly inner: IdempotencyStore) {}

  whenFailedClaims(count: number): Promise<void> {
    return new Promise((resolve) => {
      this.waiters.push({ count, resolve })
      this.notify()
    })
  }

  get(scope: string, key: string, now: number): Promise<IdempotencyRecord | undefined> {
    return this.inner.get(scope, key, now)
  }

  async claim(scope: string, key: string, claim: IdempotencyClaim): Promise<boolean> {
    const claimed = await this.inner.claim(scope, key, claim)
    if (!claimed) this.failedClaims++
    this.notify()
    return claimed
  }

  complete(scope: string, key: string, claimId: string, response: StoredResponse, expiresAt: number): Promise<boolean> {
    return this.inner.complete(scope, key, claimId, response, expiresAt)
  }

  release(scope: string, key: string, claimId: string): Promise<boolean> {
    return this.inner.release(scope, key, claimId)
  }

  private notify(): void {
    for (const waiter of this.waiters) if (this.failedClaims >= waiter.count) waiter.resolve()
  }
}

t.test('20 concurrent runs with one key: the operation runs once and all 20 get the same response', async (t) => {
  const store = new ClaimCountingStore(await realStore(t))
  const idempotency = new Idempotency(store)
  const k = key()
  let calls = 0
  // The one running operation is held until the 19 others have tried to claim the key and are waiting.
  // A second run (a broken claim) releases it too, so the test then fails on the count instead of hanging.
  let secondRun = () => {}
  const released = Promise.race([store.whenFailedClaims(19), new Promise<void>((resolve) => (secondRun = resolve))])
  const operation = async (): Promise<StoredResponse> => {
    if (++calls === 1) await released
    else secondRun()
    return { statusCode: 201, body: { id: randomUUID() } }
  }
  const results = await Promise.all(Array.from({ length: 20 }, () => idempotency.run('payments:u1', k, { orderId: 'o1' }, operation)))
  t.equal(calls, 1)
  t.equal(store.failedClaims, 19)
  const first = results.find((result) => !result.replayed)
  t.ok(first)
  for (const result of results) t.same({ statusCode: result.statusCode, body: result.body }, { statusCode: 201, body: first?.body })
  t.equal(results.filter((result) => result.replayed).length, 19)
})

t.test('unexpected errors and 5xx/429 outcomes are not stored: the same key runs again', async (t) => {
  const store = await realStore(t)
  const idempotency = new Idempotency(store)
  const failures: Array<() => Promise<StoredResponse>> = [
    async () => {
      throw new Error('DynamoDB timed out')
    },
    async () => {
      throw new ServiceUnavailableError('Payment provider unavailable.')
    },
    async () => {
      throw new TooManyRequestsError('Slow down.', 3)
    }
  ]
  for (const fail of failures) {
    const k = key()
    const error = await fail().catch((caught: unknown) => caught)
    await t.rejects(idempotency.run('payments:u1', k, { orderId: 'o1' }, fail), error as Error, 'the error reaches the caller')
    t.equal(await store.get('payments:u1', k, Date.now()), undefined, 'the in-progress record was removed')
    const operation = counted()
    const retry = await idempotency.run('payments:u1', k, { orderId: 'o1' }, operation)
    t.equal(operation.calls, 1, 'the retry with the same key runs the operation')
    t.equal(retry.replayed, false)
  }

  const k = key()
  let calls = 0
  const returns500 = async (): Promise<StoredResponse> => {
    calls++
    return { statusCode: 502, body: { error: 'BadGateway' } }
  }
  t.same(await idempotency.run('payments:u1', k, {}, returns500), { statusCode: 502, body: { error: 'BadGateway' }, replayed: false })
  await idempotency.run('payments:u1', k, {}, returns500)
  t.equal(calls, 2, 'a returned 5xx is not stored either')
})

t.test('deterministic client errors (402, 409) are stored and replayed identically', async (t) => {
  const idempotency = new Idempotency(await realStore(t))
  const cases: Array<[Error, number, Record<string, unknown>]> = [
    [
      new PaymentDeclinedError('Your card was declined.', { declineCode: 'generic_decline' }),
      402,
      { error: 'PaymentDeclined', message: 'Your card was declined.', declineCode: 'generic_decline' }
    ],
    [
      new ConflictError('Order is not payable.', { status: 'cancelled' }),
      409,
      { error: 'Conflict', message: 'Order is not payable.', status: 'cancelled' }
    ]
  ]
  for (const [error, statusCode, body] of cases) {
    const k = key()
    let calls = 0
    const operation = async (): Promise<StoredResponse> => {
      calls++
      throw error
    }
    t.same(await idempotency.run('payments:u1', k, { orderId: 'o1' }, operation), { statusCode, body, replayed: false })
    t.same(await idempotency.run('payments:u1', k, { orderId: 'o1' }, operation), { statusCode, body, replayed: true })
    t.equal(calls, 1)
  }
})

t.test('a response without a body (204) is replayed as one', async (t) => {
  const idempotency = new Idempotency(await realStore(t))
  const k = key()
  const operation = async (): Promise<StoredResponse> => ({ statusCode: 204, body: undefined })
  await idempotency.run('s', k, {}, operation)
  t.same(await idempotency.run('s', k, {}, operation), { statusCode: 204, body: undefined, replayed: true })
})

function claimFor(fingerprint: unknown, leaseExpiresAt: number): IdempotencyClaim {
  const now = Date.now()
  return { claimId: 'crashed-request', fingerprint: requestFingerprint(fingerprint), now, leaseExpiresAt, expiresAt: Math.floor(now / 1000) + 3600 }
}

t.test('a crashed request does not block its key: after its lease, the next request takes over', async (t) => {
  const store = await realStore(t)
  const idempotency = new Idempotency(store)
  const k = key()
  t.ok(await store.claim('orders:u1', k, claimFor({ a: 1 }, Date.now() - 1)), 'a request claimed the key, then crashed')

  t.notOk(await store.claim('orders:u1', k, { ...claimFor({ a: 2 }, Date.now()), claimId: 'other' }), 'a different request cannot take it over')
  await t.rejects(idempotency.run('orders:u1', k, { a: 2 }, counted()), IdempotencyKeyReuseError)

  const operation = counted()
  const result = await idempotency.run('orders:u1', k, { a: 1 }, operation)
  t.equal(operation.calls, 1)
  t.equal(result.replayed, false)
  t.notOk(await store.complete('orders:u1', k, 'crashed-request', { statusCode: 200, body: {} }, 0), 'the old claim can no longer complete')
  t.notOk(await store.release('orders:u1', k, 'crashed-request'), 'nor release')
  t.same(await idempotency.run('orders:u1', k, { a: 1 }, operation), { ...result, replayed: true })
})

t.test('a request waiting on a claim whose lease then ends takes over', async (t) => {
  const store = await realStore(t)
  const idempotency = new Idempotency(store)
  const k = key()
  await store.claim('orders:u1', k, claimFor({ a: 1 }, Date.now() + 300))
  const operation = counted()
  const result = await idempotency.run('orders:u1', k, { a: 1 }, operation)
  t.equal(operation.calls, 1)
  t.equal(result.replayed, false)
})

t.test('a claim held past the wait: 409 in progress; a different request: 422 at once', async (t) => {
  const store = await realStore(t)
  const idempotency = new Idempotency(store, { waitMs: 100, pollMs: 10 })
  const k = key()
  await store.claim('orders:u1', k, claimFor({ a: 1 }, Date.now() + HOUR_MS))
  const operation = counted()
  await t.rejects(idempotency.run('orders:u1', k, { a: 1 }, operation), new ConflictError('A request with this Idempotency-Key is in progress.'))
  await t.rejects(idempotency.run('orders:u1', k, { a: 2 }, operation), IdempotencyKeyReuseError)
  t.equal(operation.calls, 0)
})

t.test('a stored response expires after the TTL even before DynamoDB deletes it', async (t) => {
  const store = await realStore(t)
  const k = key()
  const operation = counted()
  await new Idempotency(store, { ttlSeconds: 3600 }).run('s', k, { a: 1 }, operation)
  const later = new Idempotency(store, { ttlSeconds: 3600, now: () => Date.now() + 2 * HOUR_MS })
  t.equal(await store.get('s', k, Date.now() + 2 * HOUR_MS), undefined)
  const result = await later.run('s', k, { a: 2 }, operation)
  t.equal(operation.calls, 2, 'an expired key is free again, even for a different request')
  t.equal(result.replayed, false)
})

t.test('without a key the operation runs every time; scopes keep keys apart', async (t) => {
  const store = await realStore(t)
  const idempotency = new Idempotency(store)
  const operation = counted()
  const a = await idempotency.run('orders:u1', undefined, { a: 1 }, operation)
  const b = await idempotency.run('orders:u1', undefined, { a: 1 }, operation)
  t.equal(operation.calls, 2)
  t.not((a.body as { id: string }).id, (b.body as { id: string }).id)

  const k = key()
  const first = await idempotency.run('orders:u1', k, { a: 1 }, operation)
  const otherUser = await idempotency.run('orders:u2', k, { a: 2 }, operation)
  const otherOperation = await idempotency.run('payments:u1', k, { a: 3 }, operation)
  t.equal(operation.calls, 5, 'the same key in another scope is another key')
  t.equal(otherUser.replayed, false)
  t.equal(otherOperation.replayed, false)
  t.same(await idempotency.run('orders:u1', k, { a: 1 }, operation), { ...first, replayed: true })
})

t.test('bad keys and scopes are refused before anything runs', async (t) => {
  const store = await realStore(t)
  const idempotency = new Idempotency(store)
  const operation = counted()
  for (const bad of ['', 'x'.repeat(256), 'clé', 'tab\there', 'del\x7f']) {
    await t.rejects(idempotency.run('s', bad, {}, operation), ValidationError, JSON.stringify(bad))
  }
  await t.rejects(idempotency.run('orders#u1', key(), {}, operation), /scope/)
  t.equal(operation.calls, 0)
  t.throws(() => new Idempotency(store, { ttlSeconds: 10, leaseSeconds: 30 }), /longer than leaseSeconds/)
})

t.test('over HTTP: header validation, replays marked Idempotent-Replayed, stored errors with this request id', async (t) => {
  // The route needs the runtime's services, which exist only once build() returns.
  const late: { runtime?: EmbeddedRuntime } = {}
  let calls = 0
  const { app, runtime: built } = await build(t, {
    extend: async (app) => {
      // The app registers the plugin itself once a route uses it; register it here otherwise.
      if (!app.hasRequestDecorator('idempotencyKey')) await app.register(idempotencyKeyPlugin)
      app.withTypeProvider<TypeBoxTypeProvider>().post(
        '/idempotency-test',
        {
          config: { auth: 'public', idempotencyKey: 'optional' },
          schema: { body: Type.Object({ amount: Type.Integer(), card: Type.Optional(Type.String()) }) }
        },
        async (request, reply) =>
          replyIdempotently(request, reply, (late.runtime as EmbeddedRuntime).services.idempotency, 'test:anonymous', request.body, async () => {
            calls++
            if (request.body.card === 'declined') throw new PaymentDeclinedError('Your card was declined.', { declineCode: 'generic_decline' })
            return { statusCode: 201, body: { id: randomUUID(), amount: request.body.amount } }
          })
      )
      app.withTypeProvider<TypeBoxTypeProvider>().post(
        '/idempotency-required',
        { config: { auth: 'public', idempotencyKey: 'required' }, schema: { body: Type.Object({ amount: Type.Integer() }) } },
        async (request, reply) =>
          replyIdempotently(request, reply, (late.runtime as EmbeddedRuntime).services.idempotency, 'test:anonymous-required', request.body, async () => ({
            statusCode: 200,
            body: { key: idempotencyKeyOf(request), amount: request.body.amount }
          }))
      )
    }
  })
  late.runtime = built
  const post = (payload: Record<string, unknown>, headers: Record<string, string> = {}) =>
    app.inject({ method: 'POST', url: '/idempotency-test', payload, headers })

  const noKey = [await post({ amount: 1 }), await post({ amount: 1 })]
  t.same(noKey.map((res) => res.statusCode), [201, 201])
  t.not(noKey[0]?.json().id, noKey[1]?.json().id, 'without a key every request runs')
  t.equal(calls, 2)

  const k = key()
  const first = await post({ amount: 5 }, { 'idempotency-key': k })
  const replay = await post({ amount: 5 }, { 'idempotency-key': k })
  t.equal(first.statusCode, 201)
  t.equal(first.headers['idempotent-replayed'], undefined)
  t.equal(replay.statusCode, 201)
  t.equal(replay.headers['idempotent-replayed'], 'true')
  t.same(replay.json(), first.json())
  t.equal(calls, 3)

  const reuse = await post({ amount: 6 }, { 'idempotency-key': k })
  t.equal(reuse.statusCode, 422)
  t.match(reuse.json(), { error: 'IdempotencyKeyReuse', requestId: reuse.headers['x-correlation-id'] })

  const declineKey = key()
  const declined = await post({ amount: 7, card: 'declined' }, { 'idempotency-key': declineKey, 'x-correlation-id': 'first-attempt' })
  const declinedAgain = await post({ amount: 7, card: 'declined' }, { 'idempotency-key': declineKey, 'x-correlation-id': 'second-attempt' })
  const declineBody = { error: 'PaymentDeclined', message: 'Your card was declined.', declineCode: 'generic_decline' }
  t.equal(declined.statusCode, 402)
  t.same(declined.json(), { ...declineBody, requestId: 'first-attempt' })
  t.equal(declinedAgain.statusCode, 402)
  t.same(declinedAgain.json(), { ...declineBody, requestId: 'second-attempt' }, 'same body; the request id is this request’s')
  t.equal(declinedAgain.headers['idempotent-replayed'], 'true')
  t.equal(calls, 4)

  for (const bad of ['', 'x'.repeat(256), 'clé', 'del\x7f']) {
    const res = await post({ amount: 1 }, { 'idempotency-key': bad })
    t.equal(res.statusCode, 400, JSON.stringify(bad))
    t.match(res.json(), { error: 'ValidationError', field: 'idempotency-key', message: /Idempotency-Key/ })
  }
  t.equal((await post({ amount: 1 }, { 'idempotency-key': 'x'.repeat(255) })).statusCode, 201, '255 characters are fine')
  t.equal(calls, 5, 'no bad key ran the operation')

  const spec = (await app.inject({ method: 'GET', url: '/docs/json' })).json()
  const parameters = spec.paths['/idempotency-test'].post.parameters as Array<{ in: string; name: string; required?: boolean }>
  t.match(parameters, [{ in: 'header', name: 'idempotency-key', required: false }], 'the header is documented on the route')

  // The same mechanism with the key required: missing is a 400, malformed the same 400 as above.
  const required = (headers: Record<string, string>) => app.inject({ method: 'POST', url: '/idempotency-required', payload: { amount: 1 }, headers })
  const missing = await required({})
  t.equal(missing.statusCode, 400)
  t.match(missing.json(), { error: 'ValidationError', field: 'idempotency-key' })
  t.match((await required({ 'idempotency-key': 'clé' })).json(), { error: 'ValidationError', field: 'idempotency-key', message: /Idempotency-Key/ })
  const requiredKey = key()
  const once = await required({ 'idempotency-key': requiredKey })
  t.same(once.json(), { key: requiredKey, amount: 1 })
  t.equal((await required({ 'idempotency-key': requiredKey })).headers['idempotent-replayed'], 'true')
  const requiredParameters = spec.paths['/idempotency-required'].post.parameters as Array<{ in: string; name: string; required?: boolean }>
  t.match(requiredParameters, [{ in: 'header', name: 'idempotency-key', required: true }], 'documented as required')
})
