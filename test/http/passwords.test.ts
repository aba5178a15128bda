// Forgotten passwords, resets and changes through HTTP on the embedded runtime (issue 9, Accounts):
// the same answer for known and unknown emails, the limits, the single-use reset token of its own
// type, what a reset or a change does to passwords, sessions and tokens, and the reset links the
// notification worker asks for (PasswordResetLinks).
import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { createSigner } from 'fast-jwt'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import t from 'tap'
import { DynamoUserRepository } from '../../src/adapters/dynamodb/user-repository'
import { documentClient } from '../../src/composition/builders'
import { passwordResetLinks } from '../../src/composition/services'
import { tokenService } from '../../src/composition/tokens'
import { dynamoDbLocalClientConfig } from '../../src/local/dynamodb/dynamodb-local'
import { TokenGenerations } from '../../src/services/token-generations'
import { build, type TestApp } from '../helpers/build'
import { claimsOf, recordEvents, resetTokenFromMailbox } from '../helpers/accounts'
import { bearer, login, PASSWORD, register, uniqueEmail, verificationToken } from '../helpers/users'

const env = { BCRYPT_COST: '4' }
const NEW_PASSWORD = 'a brand new passphrase'

const forgot = (app: FastifyInstance, email: string, remoteAddress = '127.0.0.1') =>
  app.inject({ method: 'POST', url: '/users/password/forgot', remoteAddress, payload: { email } })
const reset = (app: FastifyInstance, token: string, password = NEW_PASSWORD) =>
  app.inject({ method: 'POST', url: '/users/password/reset', payload: { token, password } })
const me = (app: FastifyInstance, token: string) => app.inject({ method: 'GET', url: '/users/me', headers: bearer(token) })
const refresh = (app: FastifyInstance, refreshToken: string) => app.inject({ method: 'POST', url: '/users/token/refresh', payload: { refreshToken } })
const loginStatus = async (app: FastifyInstance, email: string, password: string) =>
  (await app.inject({ method: 'POST', url: '/users/login', payload: { email, password } })).statusCode
const withoutRequestId = (res: LightMyRequestResponse) => ({ ...res.json(), requestId: undefined })

/** The reset links as the notification worker gets them, on the runtime's own tables. */
function resetLinksOf({ runtime }: TestApp) {
  const documents = documentClient(new DynamoDBClient(dynamoDbLocalClientConfig(runtime.dynamodbEndpoint)))
  const users = new DynamoUserRepository(documents, runtime.config.USERS_TABLE, runtime.config.OUTBOX_TABLE)
  return passwordResetLinks(documents, users, tokenService(runtime.config), runtime.config)
}

t.test('forgot: 202 with byte-identical bodies for a known and an unknown email; the event is written for both', async (t) => {
  const { app, runtime } = await build(t, { env })
  const events = recordEvents(runtime)
  const email = uniqueEmail('Known')
  await register(app, email)
  const ghost = uniqueEmail('ghost')

  const known = await forgot(app, `  ${email.toUpperCase()} `)
  const unknown = await forgot(app, ghost)
  t.equal(known.statusCode, 202)
  t.equal(unknown.statusCode, 202)
  t.equal(known.body, unknown.body, 'the same bytes')
  t.same(Object.keys(known.headers).sort(), Object.keys(unknown.headers).sort(), 'the same headers')
  t.equal(known.headers['content-length'], unknown.headers['content-length'])
  t.match(known.json(), { message: String })

  const requested = await events.of('PASSWORD_RESET_REQUESTED')
  const byEmail = (a: { email?: unknown }, b: { email?: unknown }) => String(a.email).localeCompare(String(b.email))
  t.same(requested.map((event) => event.data).sort(byEmail), [{ email: email.toLowerCase() }, { email: ghost }].sort(byEmail), 'one event each, email normalised')
  t.ok(requested.every((event) => event.correlationId.length > 0))

  // Only the real account gets an email, with a link to the reset page.
  const token = await resetTokenFromMailbox(runtime, email.toLowerCase())
  t.ok(token, 'the account got its reset email')
  t.equal(claimsOf(token as string).typ, 'password-reset')
  t.equal(runtime.mailbox.messages().filter((message) => message.to === ghost).length, 0, 'nobody mailed for the unknown email')
})

t.test('forgot: bad input is a 400 naming the field', async (t) => {
  const { app } = await build(t, { env })
  for (const payload of [{ email: 'not-an-email' }, {}, { email: uniqueEmail(), extra: 1 }, { email: 42 }]) {
    const res = await app.inject({ method: 'POST', url: '/users/password/forgot', payload })
    t.equal(res.statusCode, 400, JSON.stringify(payload))
    t.equal(res.json().error, 'ValidationError')
  }
})

t.test('forgot: limited per email and per address; the 429 is the same for known and unknown emails', async (t) => {
  const { app } = await build(t, { env: { ...env, PASSWORD_RESET_MAX_PER_EMAIL: '2', PASSWORD_RESET_MAX_PER_ADDRESS: '6' } })
  const email = uniqueEmail('limited')
  await register(app, email)
  const ghost = uniqueEmail('ghost')
  for (let i = 0; i < 2; i++) {
    t.equal((await forgot(app, email, `10.0.1.${i}`)).statusCode, 202)
    t.equal((await forgot(app, ghost, `10.0.2.${i}`)).statusCode, 202)
  }
  // Both refusals at one instant: Retry-After counts whole seconds from the request's time, so two
  // requests a few milliseconds apart may straddle a second and differ by one for that reason alone.
  const realNow = Date.now
  const instant = realNow()
  Date.now = () => instant
  const [knownLimited, ghostLimited] = await (async () => {
    try {
      return [await forgot(app, email, '10.0.1.9'), await forgot(app, ghost, '10.0.2.9')]
    } finally {
      Date.now = realNow
    }
  })()
  t.equal(knownLimited.statusCode, 429, 'per email, from any address')
  t.equal(ghostLimited.statusCode, 429)
  t.same(withoutRequestId(knownLimited), withoutRequestId(ghostLimited), 'the same 429 body')
  t.equal(knownLimited.headers['retry-after'], ghostLimited.headers['retry-after'])
  t.ok(Number(knownLimited.headers['retry-after']) > 0)

  // Per address, across emails.
  for (let i = 0; i < 6; i++) t.equal((await forgot(app, uniqueEmail('spray'), '10.0.3.3')).statusCode, 202)
  t.equal((await forgot(app, uniqueEmail('spray'), '10.0.3.3')).statusCode, 429, 'the address is at its limit')
  t.equal((await forgot(app, uniqueEmail('spray'), '10.0.3.4')).statusCode, 202, 'another address is not')
})

t.test('reset: new password works, old fails, every session and earlier access token refused, link single-use', async (t) => {
  const { app, runtime } = await build(t, { env })
  const email = uniqueEmail('reset')
  await register(app, email)
  const first = await login(app, email)
  const second = await login(app, email)
  t.equal((await me(app, first.token)).statusCode, 200)

  t.equal((await forgot(app, email)).statusCode, 202)
  const token = await resetTokenFromMailbox(runtime, email)
  if (!token) throw new Error('no reset email')

  const done = await reset(app, token)
  t.equal(done.statusCode, 204)
  t.equal(done.body, '')

  t.equal(await loginStatus(app, email, PASSWORD), 401, 'the old password fails')
  const fresh = await login(app, email, NEW_PASSWORD)
  // Issued within the same second as the reset, usually: the generation, not `iat`, tells them apart.
  t.equal((await me(app, fresh.token)).statusCode, 200, 'a token issued after the reset works')
  t.equal((await refresh(app, fresh.refreshToken)).statusCode, 200)

  for (const [name, session] of [['first', first], ['second', second]] as const) {
    const access = await me(app, session.token)
    t.equal(access.statusCode, 401, `${name} session: the access token issued before the reset is refused`)
    t.equal(access.json().error, 'Unauthorized')
    t.equal((await refresh(app, session.refreshToken)).statusCode, 401, `${name} session: its refresh token is revoked`)
  }

  const again = await reset(app, token, 'yet another passphrase')
  t.equal(again.statusCode, 400, 'the link works once')
  t.match(again.json(), { error: 'ValidationError', field: 'token', requestId: String })
  t.equal(await loginStatus(app, email, NEW_PASSWORD), 200, 'and the second try changed nothing')
})

t.test('reset: concurrent uses of one link: exactly one 204', async (t) => {
  const { app, runtime } = await build(t, { env })
  const email = uniqueEmail('race')
  await register(app, email)
  await forgot(app, email)
  const token = await resetTokenFromMailbox(runtime, email)
  if (!token) throw new Error('no reset email')
  const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => reset(app, token, `passphrase number ${i}`)))
  const codes = answers.map((res) => res.statusCode).sort()
  t.same(codes, [204, ...Array(7).fill(400)])
  const winner = answers.findIndex((res) => res.statusCode === 204)
  t.equal(await loginStatus(app, email, `passphrase number ${winner}`), 200, 'the password of the one that won')
})

t.test('reset: only the newest link works; a password too short is a 400 that spends nothing', async (t) => {
  const { app, runtime } = await build(t, { env })
  const email = uniqueEmail('newest')
  await register(app, email)
  await forgot(app, email)
  const older = await resetTokenFromMailbox(runtime, email)
  await forgot(app, email)
  const newer = await resetTokenFromMailbox(runtime, email)
  if (!older || !newer) throw new Error('no reset email')
  t.not(older, newer)

  const short = await reset(app, newer, 'short')
  t.equal(short.statusCode, 400)
  t.equal(short.json().field, 'password')
  const tooLong = await reset(app, newer, 'é'.repeat(37))
  t.equal(tooLong.statusCode, 400, 'more than 72 bytes')
  t.equal(tooLong.json().field, 'password')

  t.equal((await reset(app, older)).statusCode, 400, 'an older link is void once a newer one was made')
  t.equal((await reset(app, newer)).statusCode, 204, 'the newest still works after the refused attempts')
})

t.test('token-type confusion: only a reset token resets, and a reset token works nowhere else', async (t) => {
  const { app, runtime } = await build(t, { env })
  const email = uniqueEmail('confusion')
  await register(app, email)
  const session = await login(app, email)
  const verifyToken = await verificationToken(runtime, email)
  await forgot(app, email)
  const resetToken = await resetTokenFromMailbox(runtime, email)
  if (!resetToken) throw new Error('no reset email')

  for (const [name, token] of [['access', session.token], ['refresh', session.refreshToken], ['email-verify', verifyToken], ['garbage', 'not.a.token']] as const) {
    const res = await reset(app, token)
    t.equal(res.statusCode, 400, `a ${name} token does not reset`)
    t.equal(res.json().field, 'token', name)
  }
  t.equal((await me(app, resetToken)).statusCode, 401, 'a reset token is not an access token')
  t.equal((await refresh(app, resetToken)).statusCode, 401, 'nor a refresh token')
  const asVerify = await app.inject({ method: 'POST', url: '/users/verify-email', payload: { token: resetToken } })
  t.equal(asVerify.statusCode, 400, 'nor a verification token')
  const changeWith = await app.inject({ method: 'POST', url: '/users/me/password', headers: bearer(resetToken), payload: { currentPassword: PASSWORD, newPassword: NEW_PASSWORD } })
  t.equal(changeWith.statusCode, 401, 'nor a bearer for the password change')

  // Signed with our key but bent: an expired one, one without its nonce, one with another nonce.
  const claims = claimsOf(resetToken)
  const sign = createSigner({ key: runtime.config.JWT_SECRET, algorithm: 'HS256', iss: 'commerce-api', aud: 'commerce-clients' })
  const now = Math.floor(Date.now() / 1000)
  const base = { ...claims, iss: undefined, aud: undefined }
  const bent: Array<[string, Record<string, unknown>]> = [
    ['expired', { ...base, iat: now - 7200, exp: now - 3600 }],
    ['no nonce', { ...base, nonce: undefined }],
    ['another nonce', { ...base, nonce: 'guessed' }],
    ['another account', { ...base, sub: '00000000-0000-4000-8000-000000000000' }]
  ]
  for (const [name, payload] of bent) {
    const res = await reset(app, sign(JSON.parse(JSON.stringify(payload)) as Record<string, unknown>))
    t.equal(res.statusCode, 400, name)
    t.equal(res.json().field, 'token', name)
  }
  t.equal(await loginStatus(app, email, PASSWORD), 200, 'none of them changed the password')
  t.equal((await reset(app, resetToken)).statusCode, 204, 'the real link still works')
})

t.test('reset links (notification worker): none for an unknown account, the same nonce per event, none once used', async (t) => {
  const built = await build(t, { env })
  const { app } = built
  const links = resetLinksOf(built)
  const email = uniqueEmail('links')
  const user = await register(app, email)

  t.equal(await links.prepareResetLink(uniqueEmail('ghost'), 'evt-ghost'), undefined, 'no account, nothing to mail')

  const first = await links.prepareResetLink(email, 'evt-1')
  const redelivered = await links.prepareResetLink(email, 'evt-1')
  if (!first || !redelivered) throw new Error('no link for a real account')
  t.match(first, { email, firstName: 'Ada' })
  t.equal(claimsOf(first.token).sub, user.id)
  t.equal(claimsOf(first.token).nonce, claimsOf(redelivered.token).nonce, 'a redelivered event gets the link already mailed')
  t.equal(claimsOf(first.token).exp as number - (claimsOf(first.token).iat as number), 3600, 'one hour')

  const concurrent = await Promise.all([links.prepareResetLink(email, 'evt-2'), links.prepareResetLink(email, 'evt-2')])
  t.equal(claimsOf(concurrent[0]?.token ?? '').nonce, claimsOf(concurrent[1]?.token ?? '').nonce, 'concurrent deliveries agree')
  t.equal((await reset(app, first.token)).statusCode, 400, "evt-1's link is void: evt-2 made a newer one")
  t.equal((await reset(app, concurrent[0]?.token ?? '')).statusCode, 204)
  t.equal(await links.prepareResetLink(email, 'evt-2'), undefined, 'a redelivery after the link was used mails nothing')
})

t.test('change password: 204; the caller stays logged in, other sessions and the old password do not', async (t) => {
  const { app } = await build(t, { env })
  const email = uniqueEmail('change')
  await register(app, email)
  const caller = await login(app, email)
  const other = await login(app, email)
  const change = (token: string, payload: Record<string, unknown>) => app.inject({ method: 'POST', url: '/users/me/password', headers: bearer(token), payload })

  const done = await change(caller.token, { currentPassword: PASSWORD, newPassword: NEW_PASSWORD })
  t.equal(done.statusCode, 204)
  t.equal((await me(app, caller.token)).statusCode, 200, "the caller's access token still works")
  const callerNext = await refresh(app, caller.refreshToken)
  t.equal(callerNext.statusCode, 200, "and so does the caller's session")
  t.equal((await me(app, callerNext.json().token)).statusCode, 200)

  t.equal((await me(app, other.token)).statusCode, 401, "another session's access token is refused")
  t.equal((await refresh(app, other.refreshToken)).statusCode, 401, 'and that session is revoked')
  t.equal(await loginStatus(app, email, PASSWORD), 401, 'the old password fails')
  t.equal(await loginStatus(app, email, NEW_PASSWORD), 200, 'the new one works')

  const short = await change(caller.token, { currentPassword: NEW_PASSWORD, newPassword: 'short' })
  t.equal(short.statusCode, 400)
  t.equal(short.json().field, 'newPassword')
  for (const payload of [{ currentPassword: NEW_PASSWORD }, { currentPassword: NEW_PASSWORD, newPassword: PASSWORD, extra: true }, {}]) {
    t.equal((await change(caller.token, payload)).statusCode, 400, JSON.stringify(payload))
  }
  t.equal((await app.inject({ method: 'POST', url: '/users/me/password', payload: { currentPassword: NEW_PASSWORD, newPassword: PASSWORD } })).statusCode, 401, 'no token')
})

t.test('change password: a wrong current password is a 401 that counts toward the login throttle', async (t) => {
  const { app } = await build(t, { env: { ...env, LOGIN_MAX_FAILURES_PER_ACCOUNT: '2' } })
  const email = uniqueEmail('throttle')
  await register(app, email)
  const session = await login(app, email, PASSWORD)
  const change = (currentPassword: string, remoteAddress = '10.7.0.1') =>
    app.inject({ method: 'POST', url: '/users/me/password', remoteAddress, headers: bearer(session.token), payload: { currentPassword, newPassword: NEW_PASSWORD } })

  for (let i = 0; i < 2; i++) {
    const wrong = await change(`wrong guess ${i}`)
    t.equal(wrong.statusCode, 401)
    t.match(wrong.json(), { error: 'Unauthorized', message: String, requestId: String })
  }
  const limited = await change(PASSWORD)
  t.equal(limited.statusCode, 429, 'the limit holds even for the right password, from an address that never logged in')
  t.ok(Number(limited.headers['retry-after']) > 0)
  const loginLimited = await app.inject({ method: 'POST', url: '/users/login', remoteAddress: '10.7.0.2', payload: { email, password: PASSWORD } })
  t.equal(loginLimited.statusCode, 429, 'the failures counted as failed logins')
  t.equal(await loginStatus(app, email, PASSWORD), 200, 'the password is unchanged (the known address still logs in)')
})

t.test('token generations: another process sees a change within the cache age, this one at once', async (t) => {
  let clock = 1_000_000
  const record = { id: 'u1', email: 'a@example.com', tokenGeneration: 0 as number | undefined, tokenGenerationKeepsSession: undefined as string | undefined }
  let reads = 0
  const users = {
    findByEmail: async (email: string) => {
      reads += 1
      return email === record.email ? { ...record, firstName: 'A', lastName: 'B', roles: [], emailVerified: true, createdAt: '', updatedAt: '', passwordHash: 'x' } : undefined
    }
  }
  const generations = new TokenGenerations(users, () => clock, 30_000)
  const oldToken = { userId: 'u1', generation: 0, sessionId: 's-old' }
  t.equal(await generations.isCurrent(record.email, oldToken), true)
  t.equal(await generations.isCurrent(record.email, oldToken), true)
  t.equal(reads, 1, 'one read per user while the cache is young')

  record.tokenGeneration = 1 // another process reset the password
  clock += 29_999
  t.equal(await generations.isCurrent(record.email, oldToken), true, 'still cached: bounded staleness')
  clock += 1
  t.equal(await generations.isCurrent(record.email, oldToken), false, 'refused once the cache aged')
  t.equal(await generations.isCurrent(record.email, { ...oldToken, generation: 1 }), true, 'a token of the new generation works')
  t.equal(await generations.isCurrent(record.email, { ...oldToken, userId: 'u2', generation: 1 }), false, 'another account under that email is not this one')
  t.equal(await generations.isCurrent('nobody@example.com', oldToken), false, 'no account, no token')

  // A change this process made is seen at once, and the kept session survives it.
  record.tokenGeneration = 2
  record.tokenGenerationKeepsSession = 's-kept'
  generations.remember({ ...record, firstName: 'A', lastName: 'B', roles: [], emailVerified: true, createdAt: '', updatedAt: '', passwordHash: 'y' })
  t.equal(await generations.isCurrent(record.email, { ...oldToken, generation: 1 }), false)
  t.equal(await generations.isCurrent(record.email, { ...oldToken, generation: 1, sessionId: 's-kept' }), true)
})
