// Abuse limits under concurrency (issue 13): failed logins per account and per address are reserved
// before bcrypt runs, registrations are limited per address and per email, and the sliding window
// does not let 2× the limit through around a window boundary.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import t from 'tap'
import { DynamoAttemptCounter } from '../../src/adapters/dynamodb/attempt-counter'
import { DynamoUserRepository } from '../../src/adapters/dynamodb/user-repository'
import { allowanceInCurrent, positionAt, retryAfterSeconds } from '../../src/adapters/dynamodb/sliding-window'
import { documentClient } from '../../src/composition/builders'
import { authService } from '../../src/composition/services'
import { tokenService } from '../../src/composition/tokens'
import { TooManyRequestsError } from '../../src/domain/errors'
import { dynamoDbLocalClientConfig } from '../../src/local/dynamodb/dynamodb-local'
import type { BcryptEngine } from '../../src/ports/bcrypt-engine'
import { build, type TestApp } from '../helpers/build'
import { PASSWORD, register, uniqueEmail } from '../helpers/users'

const env = { BCRYPT_COST: '4' }
const CONCURRENT = 30

const documentsOf = (runtime: TestApp['runtime']) => documentClient(new DynamoDBClient(dynamoDbLocalClientConfig(runtime.dynamodbEndpoint)))

const statusCounts = (codes: number[]) => codes.reduce<Record<number, number>>((counts, code) => ({ ...counts, [code]: (counts[code] ?? 0) + 1 }), {})

/** A stand-in bcrypt that counts its comparisons (the work the limits must spare). */
class CountingBcrypt implements BcryptEngine {
  compares = 0
  async hash(password: string): Promise<string> {
    return `plain:${password}`
  }
  async compare(password: string, hash: string): Promise<boolean> {
    this.compares += 1
    // Yield so that concurrent logins really overlap between the limit check and the comparison.
    await new Promise((resolve) => setTimeout(resolve, 5))
    return hash === `plain:${password}`
  }
}

t.test('sliding-window arithmetic', async (t) => {
  t.same(positionAt(125_500, 60), { startSeconds: 120, elapsed: 5.5 / 60 })
  t.equal(allowanceInCurrent(5, 0, 0), 5, 'no previous attempts: the whole limit')
  t.equal(allowanceInCurrent(5, 5, 0.001), 0, 'a full previous window right after the boundary: nothing more')
  t.equal(allowanceInCurrent(5, 5, 0.5), 2, 'half of it still overlaps: ceil(2.5) counted')
  t.equal(allowanceInCurrent(5, 5, 0.99), 4)
  // Retry-After: the moment the next attempt is granted, assuming none meanwhile.
  t.equal(retryAfterSeconds(5, 5, 0, 60_100, 60), 12, 'previous 5, none now: granted once ceil(5·(1−e)) ≤ 4, at e = 0.2')
  t.equal(retryAfterSeconds(5, 0, 5, 30_000, 60), 30 + 12, 'current full: next window, once its weight drops to 4')
  t.equal(retryAfterSeconds(5, 0, 3, 30_000, 60), 1, 'room left: at least 1 s')
})

t.test('the sliding window does not let 2× the limit through around a boundary (injected clock)', async (t) => {
  const { runtime } = await build(t, { env })
  let now = 0
  const counter = new DynamoAttemptCounter(documentsOf(runtime), runtime.config.IDEMPOTENCY_TABLE, 60, () => now)
  const limit = 5
  const base = 1_800_000_000_000 - (1_800_000_000_000 % 60_000) // a window boundary
  const burst = async (count: number) => {
    const results = await Promise.all(Array.from({ length: count }, () => counter.reserve('boundary', limit)))
    return results.filter((result) => result.granted).length
  }

  now = base - 100 // the last 0.1 s of a window
  t.equal(await burst(8), limit, 'the limit before the boundary, even when concurrent')
  now = base + 100 // 0.2 s later, in the next fixed window
  t.equal(await burst(8), 0, 'nothing right after the boundary (aligned fixed windows would grant the limit again)')
  const refused = await counter.reserve('boundary', limit)
  t.equal(refused.granted, false)
  const retryAfter = refused.granted ? 0 : refused.retryAfterSeconds
  t.equal(retryAfter, 12)
  now = base + 100 + (retryAfter - 1) * 1000
  t.equal(await burst(1), 0, 'still refused a second before Retry-After')
  now = base + 100 + retryAfter * 1000
  t.equal(await burst(3), 1, 'granted at Retry-After, one at a time as the previous window slides out')
  now = base + 30_000
  t.equal(await burst(8), 1, 'half way: 2 in all in this window (5 − ceil(5 × 0.5))')
  now = base + 60_000 // the next boundary: this window's 2 attempts still weigh fully
  t.equal(await burst(8), limit - 2)
  now = base + 180_000 // two windows on: none of them counts any more
  t.equal(await burst(8), limit)
})

t.test('30 concurrent wrong passwords for one account: at most the per-account limit reach bcrypt', async (t) => {
  const { app, runtime } = await build(t, { env: { ...env, LOGIN_MAX_FAILURES_PER_ACCOUNT: '5' } })
  const email = uniqueEmail('victim')
  await register(app, email)
  const responses = await Promise.all(
    Array.from({ length: CONCURRENT }, (_, i) =>
      app.inject({ method: 'POST', url: '/users/login', remoteAddress: `10.0.0.${i + 1}`, payload: { email, password: `wrong ${i}` } })
    )
  )
  const counts = statusCounts(responses.map((res) => res.statusCode))
  t.same(counts, { 401: 5, 429: CONCURRENT - 5 }, 'exactly the limit checked, every other attempt refused')
  const limited = responses.find((res) => res.statusCode === 429)
  t.ok(Number(limited?.headers['retry-after']) > 0, 'Retry-After')
  t.equal(limited?.json().error, 'TooManyRequests')

  // Counted where bcrypt runs: a service on the same tables with a counting bcrypt.
  const bcrypt = new CountingBcrypt()
  const documents = documentsOf(runtime)
  const config = runtime.config
  const auth = authService(documents, new DynamoUserRepository(documents, config.USERS_TABLE, config.OUTBOX_TABLE), bcrypt, tokenService(config), { publish: async () => undefined }, config)
  const other = uniqueEmail('victim2')
  await auth.register({ email: other, password: PASSWORD, firstName: 'A', lastName: 'B' }, 'corr', '10.1.0.1')
  const outcomes = await Promise.allSettled(Array.from({ length: CONCURRENT }, (_, i) => auth.login(other, `wrong ${i}`, `10.2.0.${i + 1}`)))
  t.equal(bcrypt.compares, 5, 'bcrypt ran exactly LOGIN_MAX_FAILURES_PER_ACCOUNT times')
  t.equal(outcomes.filter((outcome) => outcome.status === 'rejected' && outcome.reason instanceof TooManyRequestsError).length, CONCURRENT - 5)
})

t.test('30 concurrent wrong logins from one address: at most the per-address limit reach bcrypt', async (t) => {
  const { app } = await build(t, { env: { ...env, LOGIN_MAX_FAILURES_PER_ADDRESS: '7' } })
  const responses = await Promise.all(
    Array.from({ length: CONCURRENT }, () =>
      app.inject({ method: 'POST', url: '/users/login', remoteAddress: '10.3.3.3', payload: { email: uniqueEmail('spray'), password: 'guess' } })
    )
  )
  t.same(statusCounts(responses.map((res) => res.statusCode)), { 401: 7, 429: CONCURRENT - 7 })
  const elsewhere = await app.inject({ method: 'POST', url: '/users/login', remoteAddress: '10.4.4.4', payload: { email: uniqueEmail('spray'), password: 'guess' } })
  t.equal(elsewhere.statusCode, 401, 'another address is not limited')
})

t.test('lockout is bounded: the right password still gets in from a known address; a success frees its address reservation', async (t) => {
  const { app } = await build(t, { env: { ...env, LOGIN_MAX_FAILURES_PER_ACCOUNT: '3', LOGIN_MAX_FAILURES_PER_ADDRESS: '3' } })
  const email = uniqueEmail('owner')
  await register(app, email)
  const attempt = (password: string, remoteAddress: string) => app.inject({ method: 'POST', url: '/users/login', remoteAddress, payload: { email, password } })

  // Successes do not use up the per-address limit (3): the owner logs in 5 times from home.
  for (let i = 0; i < 5; i++) t.equal((await attempt(PASSWORD, '10.5.5.5')).statusCode, 200, `success ${i + 1}`)
  // An attacker elsewhere uses up the account's limit.
  const attack = await Promise.all(Array.from({ length: 10 }, (_, i) => attempt(`wrong ${i}`, `10.6.6.${i + 1}`)))
  t.same(statusCounts(attack.map((res) => res.statusCode)), { 401: 3, 429: 7 })
  t.equal((await attempt(PASSWORD, '10.7.7.7')).statusCode, 429, 'the right password from an unknown address: locked')
  t.equal((await attempt(PASSWORD, '10.5.5.5')).statusCode, 200, 'the owner, from the address that logged in before: not locked out')
  // The known address does not get unlimited guesses: its own limit (3) and the per-address one hold.
  const fromHome = await Promise.all(Array.from({ length: 10 }, (_, i) => attempt(`wrong ${i}`, '10.5.5.5')))
  t.same(statusCounts(fromHome.map((res) => res.statusCode)), { 401: 3, 429: 7 })
})

t.test('30 concurrent registrations from one address: at most the per-address limit succeed', async (t) => {
  const { app, runtime } = await build(t, { env: { ...env, REGISTER_MAX_PER_ADDRESS: '6' } })
  const responses = await Promise.all(
    Array.from({ length: CONCURRENT }, () =>
      app.inject({ method: 'POST', url: '/users/register', remoteAddress: '10.8.8.8', payload: { email: uniqueEmail('bulk'), password: PASSWORD, firstName: 'A', lastName: 'B' } })
    )
  )
  t.same(statusCounts(responses.map((res) => res.statusCode)), { 201: 6, 429: CONCURRENT - 6 })
  const limited = responses.find((res) => res.statusCode === 429)
  t.ok(Number(limited?.headers['retry-after']) > 0, 'Retry-After')
  await runtime.idle()
  t.equal(runtime.mailbox.messages().filter((message) => message.to.startsWith('bulk-')).length, 6, 'one verification email per account, no more')
  const elsewhere = await app.inject({ method: 'POST', url: '/users/register', remoteAddress: '10.9.9.9', payload: { email: uniqueEmail('bulk'), password: PASSWORD, firstName: 'A', lastName: 'B' } })
  t.equal(elsewhere.statusCode, 201, 'another address is not limited')
})

t.test('registrations of one email from many addresses are limited per email', async (t) => {
  const { app } = await build(t, { env: { ...env, REGISTER_MAX_PER_EMAIL: '3' } })
  const email = uniqueEmail('target')
  const responses = await Promise.all(
    Array.from({ length: CONCURRENT }, (_, i) =>
      app.inject({
        method: 'POST',
        url: '/users/register',
        remoteAddress: `10.10.${Math.floor(i / 10)}.${(i % 10) + 1}`,
        payload: { email: i % 2 ? email.toUpperCase() : email, password: PASSWORD, firstName: 'A', lastName: 'B' }
      })
    )
  )
  t.same(statusCounts(responses.map((res) => res.statusCode)), { 201: 1, 409: 2, 429: CONCURRENT - 3 }, 'three attempts counted (one account), the rest refused')
})
