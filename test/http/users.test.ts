// Users and authentication through HTTP on the embedded runtime: registration rules, login without
// an enumeration oracle, brute-force limits, token kinds, refresh rotation with reuse detection,
// logout, email verification end to end, and who may read whom.
import t from 'tap'
import { createSigner } from 'fast-jwt'
import { sqsRecordOf } from '../helpers/aws-events'
import { build } from '../helpers/build'
import { bearer, login, PASSWORD, register, registerVerifiedUser, uniqueEmail, verificationToken } from '../helpers/users'

const env = { BCRYPT_COST: '4' }

t.test('register: 201 with the public user, email normalised, no hash anywhere', async (t) => {
  const { app, logs } = await build(t, { env })
  const email = uniqueEmail('Mixed')
  const withRoles = await app.inject({
    method: 'POST',
    url: '/users/register',
    payload: { email, password: PASSWORD, firstName: 'Ada', lastName: 'Lovelace', roles: ['admin'] }
  })
  t.equal(withRoles.statusCode, 400, 'a client cannot send itself roles: unknown fields are refused')
  t.match(withRoles.json().message, /unknown property "roles"/)
  const res = await app.inject({
    method: 'POST',
    url: '/users/register',
    payload: { email: `  ${email.toUpperCase()} `, password: PASSWORD, firstName: 'Ada', lastName: 'Lovelace' }
  })
  t.equal(res.statusCode, 201)
  const { user } = res.json()
  t.equal(user.email, email.toLowerCase())
  t.same(user.roles, ['customer'], 'a client cannot grant itself roles')
  t.equal(user.emailVerified, false)
  t.notOk('passwordHash' in user)
  t.notMatch(res.body, /\$2[aby]\$/, 'no bcrypt hash in the response')
  t.notMatch(logs.text(), new RegExp(PASSWORD), 'the password is never logged')

  const duplicate = await app.inject({
    method: 'POST',
    url: '/users/register',
    payload: { email: email.toUpperCase(), password: PASSWORD, firstName: 'B', lastName: 'C' }
  })
  t.equal(duplicate.statusCode, 409)
  t.equal(duplicate.json().error, 'Conflict')
})

t.test('register: bad input is a 400 naming the field, and creates nothing', async (t) => {
  const { app } = await build(t, { env })
  const email = uniqueEmail()
  const cases: Array<[Record<string, unknown>, string]> = [
    [{ email: 'not-an-email', password: PASSWORD, firstName: 'A', lastName: 'B' }, 'email'],
    [{ email, password: 'short', firstName: 'A', lastName: 'B' }, 'password'],
    [{ email, password: 'é'.repeat(37), firstName: 'A', lastName: 'B' }, 'password'], // 37 chars, 74 bytes
    [{ email, password: PASSWORD, firstName: '', lastName: 'B' }, 'firstName'],
    [{ email, password: PASSWORD, lastName: 'B' }, 'firstName'],
    [{ email, password: 12345678, firstName: 'A', lastName: 'B' }, 'password']
  ]
  for (const [payload, field] of cases) {
    const res = await app.inject({ method: 'POST', url: '/users/register', payload })
    t.equal(res.statusCode, 400, JSON.stringify(payload))
    t.equal(res.json().field, field)
  }
  const tooLong = await app.inject({ method: 'POST', url: '/users/register', payload: cases[2]?.[0] })
  t.match(tooLong.json().message, /72 bytes/)
  // Nothing was created: the email is still free, and exactly 72 bytes is accepted.
  const exactly72 = 'é'.repeat(36)
  const ok = await app.inject({ method: 'POST', url: '/users/register', payload: { email, password: exactly72, firstName: 'A', lastName: 'B' } })
  t.equal(ok.statusCode, 201)
  await login(app, email, exactly72)
})

t.test('20 concurrent registrations of one email in any letter case: exactly one 201', async (t) => {
  // The race on the email's uniqueness, not the registration limits (test/http/auth-limits.test.ts).
  const { app } = await build(t, { env: { ...env, REGISTER_MAX_PER_EMAIL: '50' } })
  const email = uniqueEmail('race')
  const responses = await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      app.inject({
        method: 'POST',
        url: '/users/register',
        payload: { email: i % 2 ? email.toUpperCase() : email, password: PASSWORD, firstName: 'A', lastName: 'B' }
      })
    )
  )
  const codes = responses.map((res) => res.statusCode).sort()
  t.same(codes, [201, ...Array(19).fill(409)])
})

t.test('login: unknown email and wrong password are indistinguishable; >72 bytes never matches', async (t) => {
  const { app } = await build(t, { env })
  const email = uniqueEmail()
  await register(app, email)
  const wrongPassword = await app.inject({ method: 'POST', url: '/users/login', payload: { email, password: 'wrong password!' } })
  const unknownEmail = await app.inject({ method: 'POST', url: '/users/login', payload: { email: uniqueEmail('ghost'), password: 'wrong password!' } })
  t.equal(wrongPassword.statusCode, 401)
  t.equal(unknownEmail.statusCode, 401)
  const strip = (body: Record<string, unknown>) => ({ ...body, requestId: undefined })
  t.same(strip(wrongPassword.json()), strip(unknownEmail.json()))
  t.same(Object.keys(wrongPassword.headers).sort(), Object.keys(unknownEmail.headers).sort())

  // A 72-byte password followed by more bytes must not log in as the 72-byte password.
  const email72 = uniqueEmail()
  const password72 = 'a'.repeat(72)
  await register(app, email72, password72)
  const longer = await app.inject({ method: 'POST', url: '/users/login', payload: { email: email72, password: `${password72}tail` } })
  t.equal(longer.statusCode, 401)
  const session = await login(app, email72, password72)
  t.ok(session.token)
  t.equal(session.expiresIn, 900)
})

t.test('brute force: per-account limit → 429 with Retry-After, even for the right password from a new address; success resets', async (t) => {
  const { app } = await build(t, { env: { ...env, LOGIN_MAX_FAILURES_PER_ACCOUNT: '3' } })
  const email = uniqueEmail()
  await register(app, email)
  const attempt = (password: string, remoteAddress = '127.0.0.1') => app.inject({ method: 'POST', url: '/users/login', remoteAddress, payload: { email, password } })

  t.equal((await attempt('bad password 1')).statusCode, 401)
  t.equal((await attempt('bad password 2')).statusCode, 401)
  t.equal((await attempt(PASSWORD)).statusCode, 200, 'a success before the limit')
  // The success reset the account counter: three more failures are allowed before the limit.
  for (let i = 0; i < 3; i++) t.equal((await attempt(`bad ${i}`)).statusCode, 401)
  const limited = await attempt(PASSWORD, '10.1.2.3')
  t.equal(limited.statusCode, 429, 'the right password from an address that never logged in')
  t.equal(limited.json().error, 'TooManyRequests')
  t.ok(Number(limited.headers['retry-after']) > 0, 'Retry-After header')
  // Lockout is not a denial of service: the address that logged in before has a limit of its own.
  t.equal((await attempt(PASSWORD)).statusCode, 200, 'the owner still gets in from a known address')

  // An unknown email is limited the same way (no oracle).
  const ghost = uniqueEmail('ghost')
  for (let i = 0; i < 3; i++) await app.inject({ method: 'POST', url: '/users/login', payload: { email: ghost, password: 'x' } })
  t.equal((await app.inject({ method: 'POST', url: '/users/login', payload: { email: ghost, password: 'x' } })).statusCode, 429)
})

t.test('brute force: per-address limit across accounts', async (t) => {
  const { app } = await build(t, { env: { ...env, LOGIN_MAX_FAILURES_PER_ADDRESS: '4' } })
  for (let i = 0; i < 4; i++) {
    const res = await app.inject({ method: 'POST', url: '/users/login', payload: { email: uniqueEmail(), password: 'nope' } })
    t.equal(res.statusCode, 401)
  }
  const next = await app.inject({ method: 'POST', url: '/users/login', payload: { email: uniqueEmail(), password: 'nope' } })
  t.equal(next.statusCode, 429)
  const otherAddress = await app.inject({ method: 'POST', url: '/users/login', remoteAddress: '10.9.8.7', payload: { email: uniqueEmail(), password: 'nope' } })
  t.equal(otherAddress.statusCode, 401, 'another address is not limited')
})

t.test('tokens: only a valid access token of this issuer/audience works on protected routes', async (t) => {
  const { app, runtime } = await build(t, { env })
  const email = uniqueEmail()
  const user = await register(app, email)
  const session = await login(app, email)
  const me = (headers: Record<string, string>) => app.inject({ method: 'GET', url: '/users/me', headers })

  const ok = await me(bearer(session.token))
  t.equal(ok.statusCode, 200)
  t.equal(ok.json().user.id, user.id)

  const secret = runtime.config.JWT_SECRET
  const now = Math.floor(Date.now() / 1000)
  const claims = { sub: user.id, email, roles: ['customer', 'admin'], typ: 'access', sid: 's1', gen: 0, jti: 'j1', iat: now, exp: now + 600 }
  const sign = (options: Record<string, unknown>, payload: Record<string, unknown> = claims) =>
    createSigner({ key: secret, algorithm: 'HS256', iss: 'commerce-api', aud: 'commerce-clients', ...options })(payload)
  const [header, payload] = session.token.split('.')
  const verifyToken = await verificationToken(runtime, email)

  const rejected: Array<[string, string]> = [
    ['refresh token as access token', session.refreshToken],
    ['email-verify token as access token', verifyToken],
    ['alg none', `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${payload}.`],
    ['tampered payload', `${header}.${Buffer.from(JSON.stringify({ ...claims, iss: 'commerce-api', aud: 'commerce-clients' })).toString('base64url')}.${session.token.split('.')[2]}`],
    ['tampered signature', `${session.token.slice(0, -4)}AAAA`],
    ['expired', sign({}, { ...claims, iat: now - 4000, exp: now - 3000 })],
    ['wrong audience', sign({ aud: 'someone-else' })],
    ['wrong issuer', sign({ iss: 'evil' })],
    ['other secret', createSigner({ key: 'x'.repeat(40), algorithm: 'HS256', iss: 'commerce-api', aud: 'commerce-clients' })(claims)],
    ['HS512', sign({ algorithm: 'HS512' })]
  ]
  for (const [name, token] of rejected) {
    const res = await me(bearer(token))
    t.equal(res.statusCode, 401, name)
    t.equal(res.json().error, 'Unauthorized', name)
  }
  t.equal((await me({ authorization: 'Basic abc' })).statusCode, 401, 'not a bearer header')
  t.equal((await me({})).statusCode, 401, 'no header')
  // A correctly signed token of our issuer with the admin role claim does work: the signature is the trust.
  t.equal((await me(bearer(sign({})))).statusCode, 200)
})

t.test('refresh: rotation, reuse detection revokes the family, logout revokes', async (t) => {
  const { app } = await build(t, { env })
  const email = uniqueEmail()
  await register(app, email)
  const first = await login(app, email)
  const refresh = (refreshToken: string) => app.inject({ method: 'POST', url: '/users/token/refresh', payload: { refreshToken } })

  const second = await refresh(first.refreshToken)
  t.equal(second.statusCode, 200)
  t.not(second.json().refreshToken, first.refreshToken, 'rotated')
  t.equal((await app.inject({ method: 'GET', url: '/users/me', headers: bearer(second.json().token) })).statusCode, 200)

  t.equal((await refresh(first.refreshToken)).statusCode, 401, 'reusing a rotated token fails')
  t.equal((await refresh(second.json().refreshToken)).statusCode, 401, 'and revokes the whole family')
  t.equal((await refresh(first.token)).statusCode, 401, 'an access token is not a refresh token')

  // Logout of one session revokes that session only; logout without a token revokes all.
  const a = await login(app, email)
  const b = await login(app, email)
  const out = await app.inject({ method: 'POST', url: '/users/logout', headers: bearer(a.token), payload: { refreshToken: a.refreshToken } })
  t.equal(out.statusCode, 204)
  t.equal((await refresh(a.refreshToken)).statusCode, 401)
  const bNext = await refresh(b.refreshToken)
  t.equal(bNext.statusCode, 200, 'the other session lives')
  t.equal((await app.inject({ method: 'POST', url: '/users/logout', headers: bearer(b.token), payload: {} })).statusCode, 204)
  t.equal((await refresh(bNext.json().refreshToken)).statusCode, 401, 'logout without a token revokes every session')

  // Someone else's refresh token cannot be used to log a user out.
  const other = uniqueEmail()
  await register(app, other)
  const otherSession = await login(app, other)
  const mine = await login(app, email)
  const foreign = await app.inject({ method: 'POST', url: '/users/logout', headers: bearer(mine.token), payload: { refreshToken: otherSession.refreshToken } })
  t.equal(foreign.statusCode, 401)
  t.equal((await refresh(otherSession.refreshToken)).statusCode, 200, "the other user's session is untouched")
})

t.test('register → verification email → verify → admin role granted; verifying twice is harmless', async (t) => {
  const adminEmail = uniqueEmail('boss')
  const { app, runtime } = await build(t, { env: { ...env, ADMIN_EMAILS: `someone@example.com, ${adminEmail.toUpperCase()}` } })
  const admin = await register(app, adminEmail)
  const customer = await register(app, uniqueEmail())

  const beforeVerify = await login(app, adminEmail)
  t.same(beforeVerify.user.roles, ['customer'], 'no admin role before the email is verified')
  t.equal((await app.inject({ method: 'GET', url: `/users/${customer.id}`, headers: bearer(beforeVerify.token) })).statusCode, 404)

  const token = await verificationToken(runtime, adminEmail)
  const mail = runtime.mailbox.messages().find((entry) => entry.to === adminEmail)
  t.match(mail, { subject: 'Verify your email address' })
  t.match(mail?.text, /verify-email\?token=/)
  const verified = await app.inject({ method: 'POST', url: '/users/verify-email', payload: { token } })
  t.equal(verified.statusCode, 200)
  t.equal(verified.json().user.emailVerified, true)
  t.same(verified.json().user.roles, ['customer', 'admin'])
  const again = await app.inject({ method: 'POST', url: '/users/verify-email', payload: { token } })
  t.equal(again.statusCode, 200)
  t.same(again.json().user.roles, ['customer', 'admin'])

  const session = await login(app, adminEmail)
  t.same(session.user.roles, ['customer', 'admin'])
  const read = await app.inject({ method: 'GET', url: `/users/${customer.id}`, headers: bearer(session.token) })
  t.equal(read.statusCode, 200, 'an admin reads any user')
  t.equal(read.json().user.id, customer.id)
  t.equal(admin.id, session.user.id)

  const bad = await app.inject({ method: 'POST', url: '/users/verify-email', payload: { token: session.token } })
  t.equal(bad.statusCode, 400, 'an access token is not a verification token')
})

t.test('a user reads only themself: another id → 404, same as a missing one', async (t) => {
  const { app, runtime } = await build(t, { env })
  const { user: alice, session } = await registerVerifiedUser(app, runtime)
  const bob = await register(app)
  const get = (id: string) => app.inject({ method: 'GET', url: `/users/${id}`, headers: bearer(session.token) })
  t.equal((await get(alice.id)).statusCode, 200)
  const other = await get(bob.id)
  const missing = await get('00000000-0000-4000-8000-000000000000')
  t.equal(other.statusCode, 404)
  t.equal(missing.statusCode, 404)
  t.same({ ...other.json(), requestId: 0 }, { ...missing.json(), requestId: 0 })
  t.equal((await app.inject({ method: 'GET', url: `/users/${bob.id}` })).statusCode, 401)
})

t.test('the notification worker is idempotent: a redelivered USER_CREATED sends one email', async (t) => {
  const { app, runtime } = await build(t, { env })
  const email = uniqueEmail()
  const user = await register(app, email)
  await runtime.idle()
  t.equal(runtime.mailbox.messages().filter((entry) => entry.to === email).length, 1)
  const envelope = {
    eventId: 'evt-redelivered-1',
    eventType: 'USER_CREATED',
    version: 1,
    occurredAt: new Date().toISOString(),
    correlationId: 'corr-redelivery',
    data: { userId: user.id, email, firstName: 'Ada' }
  }
  const record = (messageId: string) => sqsRecordOf(envelope, messageId)
  const worker = runtime.workers.notification
  t.ok(worker)
  t.same(await worker?.({ Records: [record('m1')] }), { batchItemFailures: [] })
  t.same(await worker?.({ Records: [record('m2')] }), { batchItemFailures: [] })
  t.equal(runtime.mailbox.messages().filter((entry) => entry.to === email).length, 2, 'one more email, not two')
})

t.test('invariant: no event is lost when the bus fails after the write — the outbox relays it', async (t) => {
  const { app, runtime } = await build(t, { env })
  const bus = runtime.messaging.bus
  const publish = bus.publish.bind(bus)
  let busDown = true
  bus.publish = async (topicArn, event) => {
    if (busDown) throw Object.assign(new Error('SNS is down'), { name: 'InternalErrorException' })
    return publish(topicArn, event)
  }
  const email = uniqueEmail('bus-down')
  const registered = await app.inject({ method: 'POST', url: '/users/register', payload: { email, password: PASSWORD, firstName: 'Ada', lastName: 'Lovelace' } })
  t.equal(registered.statusCode, 201, 'the registration stands')
  await runtime.idle()
  t.equal(runtime.mailbox.messages().filter((entry) => entry.to === email).length, 0, 'no email yet: the event is waiting')

  const relay = runtime.workers['outbox-relay']
  t.ok(relay)
  t.same(await relay?.({}), { published: 0, failed: 1 }, 'still down: kept for the next run')
  busDown = false
  t.same(await relay?.({}), { published: 1, failed: 0 })
  await verificationToken(runtime, email)
  t.equal(runtime.mailbox.messages().filter((entry) => entry.to === email).length, 1, 'exactly one verification email')
  t.same(await relay?.({}), { published: 0, failed: 0 }, 'the outbox is empty again')
})
