// The caller's own account through HTTP on the embedded runtime (issue 9, Accounts): changing the
// names (PATCH /users/me) and asking for the verification email again (POST /users/verify-email/resend).
import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { DeleteCommand, GetCommand } from '@aws-sdk/lib-dynamodb'
import type { FastifyInstance } from 'fastify'
import t from 'tap'
import { documentClient } from '../../src/composition/builders'
import { dynamoDbLocalClientConfig } from '../../src/local/dynamodb/dynamodb-local'
import { build } from '../helpers/build'
import { mailTo, recordEvents } from '../helpers/accounts'
import { bearer, login, register, registerVerifiedUser, uniqueEmail } from '../helpers/users'

const env = { BCRYPT_COST: '4' }

const patchMe = (app: FastifyInstance, token: string | undefined, payload: unknown) =>
  app.inject({ method: 'PATCH', url: '/users/me', headers: token ? bearer(token) : {}, payload: payload as Record<string, unknown> })
const resend = (app: FastifyInstance, token?: string) =>
  app.inject({ method: 'POST', url: '/users/verify-email/resend', headers: token ? bearer(token) : {} })

t.test('PATCH /users/me: 200 with the user, names trimmed, one field or both; nothing else changes', async (t) => {
  const { app } = await build(t, { env })
  const email = uniqueEmail('profile')
  const registered = await register(app, email)
  const session = await login(app, email)

  const first = await patchMe(app, session.token, { firstName: '  Grace ' })
  t.equal(first.statusCode, 200)
  t.match(first.json().user, { id: registered.id, email, firstName: 'Grace', lastName: 'Lovelace', roles: ['customer'], emailVerified: false })
  t.notOk('passwordHash' in first.json().user)

  const both = await patchMe(app, session.token, { firstName: 'Ada', lastName: 'Hopper' })
  t.equal(both.statusCode, 200)
  t.match(both.json().user, { firstName: 'Ada', lastName: 'Hopper' })
  const read = await app.inject({ method: 'GET', url: '/users/me', headers: bearer(session.token) })
  t.match(read.json().user, { firstName: 'Ada', lastName: 'Hopper', email })
  t.same(Object.keys(read.json().user).sort(), ['createdAt', 'email', 'emailVerified', 'firstName', 'id', 'lastName', 'roles'], 'only public fields')
})

t.test('PATCH /users/me: 400 for an empty, blank, unknown or non-object body; 401 without a token', async (t) => {
  const { app } = await build(t, { env })
  const email = uniqueEmail('profile-bad')
  await register(app, email)
  const session = await login(app, email)
  const cases: Array<[unknown, string]> = [
    [{}, 'no field at all'],
    [{ firstName: '' }, 'empty name'],
    [{ lastName: '   ' }, 'blank name'],
    [{ firstName: 'x'.repeat(101) }, 'too long'],
    [{ roles: ['admin'] }, 'roles are not a profile field'],
    [{ email: 'other@example.com' }, 'neither is the email'],
    [{ firstName: 7 }, 'not a string'],
    [[], 'not an object']
  ]
  for (const [payload, name] of cases) {
    const res = await patchMe(app, session.token, payload)
    t.equal(res.statusCode, 400, name)
    t.match(res.json(), { error: 'ValidationError', message: String, requestId: String }, name)
  }
  t.equal((await patchMe(app, undefined, { firstName: 'Eve' })).statusCode, 401)
  const unchanged = await app.inject({ method: 'GET', url: '/users/me', headers: bearer(session.token) })
  t.match(unchanged.json().user, { firstName: 'Ada', lastName: 'Lovelace', roles: ['customer'] }, 'nothing changed')
})

t.test('resend verification: 202 and a new VERIFICATION_REQUESTED for an unverified account', async (t) => {
  const { app, runtime } = await build(t, { env })
  const events = recordEvents(runtime)
  const email = uniqueEmail('resend')
  const user = await register(app, email)
  const session = await login(app, email)

  const res = await resend(app, session.token)
  t.equal(res.statusCode, 202)
  t.match(res.json(), { message: String })
  const requested = await events.of('VERIFICATION_REQUESTED')
  t.same(requested.map((event) => event.data), [{ userId: user.id, email, firstName: 'Ada' }], 'the data of USER_CREATED, for the same email')

  // The notification worker mails a new link, which verifies the address.
  const mails = await mailTo(runtime, email)
  t.equal(mails.length, 2, 'the first verification email and the new one')
  const token = /verify-email\?token=([^\s&"<]+)/.exec(mails[1]?.text ?? '')?.[1]
  if (!token) throw new Error('no link in the new email')
  const verified = await app.inject({ method: 'POST', url: '/users/verify-email', payload: { token: decodeURIComponent(token) } })
  t.equal(verified.statusCode, 200)
  t.equal(verified.json().user.emailVerified, true)
  t.equal((await resend(app)).statusCode, 401, 'no token')
})

t.test('resend verification: nothing is sent when the address is verified; the same 202', async (t) => {
  const { app, runtime } = await build(t, { env })
  const { user, session } = await registerVerifiedUser(app, runtime)
  await runtime.idle()
  const events = recordEvents(runtime)
  const mailsToVerified = () => runtime.mailbox.messages().filter((message) => message.to === user.email).length
  const mailBefore = mailsToVerified()

  const unverifiedEmail = uniqueEmail('other')
  await register(app, unverifiedEmail)
  const unverified = await resend(app, (await login(app, unverifiedEmail)).token)
  const verified = await resend(app, session.token)
  t.equal(verified.statusCode, 202)
  t.equal(verified.body, unverified.body, 'the same answer either way')
  t.same(await events.of('VERIFICATION_REQUESTED').then((list) => list.map((event) => event.data.email)), [unverifiedEmail], 'an event for the unverified account only')
  t.equal(mailsToVerified(), mailBefore, 'no email to the verified address')
})

t.test('resend verification: limited per account (429), other accounts unaffected', async (t) => {
  const { app, runtime } = await build(t, { env: { ...env, VERIFICATION_RESEND_MAX_PER_ACCOUNT: '2' } })
  const events = recordEvents(runtime)
  const email = uniqueEmail('resend-limit')
  await register(app, email)
  const session = await login(app, email)
  t.equal((await resend(app, session.token)).statusCode, 202)
  t.equal((await resend(app, session.token)).statusCode, 202)
  const limited = await resend(app, session.token)
  t.equal(limited.statusCode, 429)
  t.match(limited.json(), { error: 'TooManyRequests', requestId: String })
  t.ok(Number(limited.headers['retry-after']) > 0)
  t.equal((await events.of('VERIFICATION_REQUESTED')).length, 2, 'no event for the refused one')

  const other = uniqueEmail('resend-other')
  await register(app, other)
  t.equal((await resend(app, (await login(app, other)).token)).statusCode, 202)
})

t.test('PATCH /users/me: 404 when the account went away after the caller was authenticated', async (t) => {
  const { app, runtime } = await build(t, { env })
  const email = uniqueEmail('gone')
  await register(app, email)
  const session = await login(app, email)
  // Authenticated once: this process trusts what it read about the account for a while (TokenGenerations).
  t.equal((await app.inject({ method: 'GET', url: '/users/me', headers: bearer(session.token) })).statusCode, 200)
  const documents = documentClient(new DynamoDBClient(dynamoDbLocalClientConfig(runtime.dynamodbEndpoint)))
  await documents.send(new DeleteCommand({ TableName: runtime.config.USERS_TABLE, Key: { email } }))
  const res = await patchMe(app, session.token, { firstName: 'Ghost' })
  t.equal(res.statusCode, 404)
  t.match(res.json(), { error: 'NotFound', requestId: String })
  const stored = await documents.send(new GetCommand({ TableName: runtime.config.USERS_TABLE, Key: { email }, ConsistentRead: true }))
  t.equal(stored.Item, undefined, 'the update did not create an account')
})

t.test('resend verification: a body that is not JSON is a 400 (none is needed)', async (t) => {
  const { app } = await build(t, { env })
  const email = uniqueEmail('resend-body')
  await register(app, email)
  const session = await login(app, email)
  const res = await app.inject({ method: 'POST', url: '/users/verify-email/resend', headers: { ...bearer(session.token), 'content-type': 'application/json' }, payload: '{not json' })
  t.equal(res.statusCode, 400)
  t.match(res.json(), { error: String, requestId: String })
})
