// Tokens signed with the right key but missing or bending a claim (issue 13, item 4): no `iss`, no
// `aud`, another `aud`, `iat` in the future, no `exp`, no `iat`, or a claim their type is issued with
// missing. Each is refused wherever that type of token is used — an access token on a protected route,
// a refresh token at /users/token/refresh, an email-verify token at /users/verify-email — and the same
// claims re-signed intact still work, so the refusals are about the claims and not the forging.
import t from 'tap'
import { createSigner } from 'fast-jwt'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import type { Test } from 'tap'
import { build } from '../helpers/build'
import { bearer, login, register, uniqueEmail, verificationToken } from '../helpers/users'

const env = { BCRYPT_COST: '4' }
const ISSUER = 'commerce-api'
const AUDIENCE = 'commerce-clients'

type Claims = Record<string, unknown>

const claimsOf = (token: string): Claims => JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString('utf8')) as Claims

function without(claims: Claims, ...names: string[]): Claims {
  const copy = { ...claims }
  for (const name of names) delete copy[name]
  return copy
}

/**
 * Tokens of `claims` (which carry no iss/aud: the signer adds those) signed with `secret`, one per
 * defect, named. fast-jwt's signer keeps a payload's own `iat` and adds `exp` only when asked.
 */
function defective(secret: string, claims: Claims, typeSpecific: string[]): Array<[string, string]> {
  const now = Math.floor(Date.now() / 1000)
  const sign = (payload: Claims, options: Record<string, unknown> = { iss: ISSUER, aud: AUDIENCE }) =>
    createSigner({ key: secret, algorithm: 'HS256', ...options })(payload)
  return [
    ['no iss', sign(claims, { aud: AUDIENCE })],
    ['no aud', sign(claims, { iss: ISSUER })],
    ['another aud', sign(claims, { iss: ISSUER, aud: 'someone-else' })],
    ['iat 10 minutes in the future', sign({ ...claims, iat: now + 600, exp: now + 1200 })],
    ['no exp', sign(without(claims, 'exp'))],
    ['no iat', sign(without(claims, 'iat'), { iss: ISSUER, aud: AUDIENCE, noTimestamp: true })],
    ['no jti', sign(without(claims, 'jti'))],
    ...typeSpecific.map((name): [string, string] => [`no ${name}`, sign(without(claims, name))])
  ]
}

/** The intact claims of a token the API issued (iss/aud left to the signer), with a fresh iat/exp. */
function reissuable(token: string): Claims {
  const now = Math.floor(Date.now() / 1000)
  return { ...without(claimsOf(token), 'iss', 'aud'), iat: now, exp: now + 600 }
}

function assertHouseError(t: Test, res: LightMyRequestResponse, status: number, error: string, name: string) {
  t.equal(res.statusCode, status, name)
  t.match(res.json(), { error, message: String, requestId: String }, `${name}: the house error shape`)
}

async function newAccount(app: FastifyInstance) {
  const email = uniqueEmail('claims')
  const user = await register(app, email)
  return { email, user, session: await login(app, email) }
}

t.test('an access token missing or bending a required claim → 401 on a protected route', async (t) => {
  const { app, runtime } = await build(t, { env })
  const { user, session } = await newAccount(app)
  const me = (token: string) => app.inject({ method: 'GET', url: '/users/me', headers: bearer(token) })
  const claims = reissuable(session.token)
  t.match(claims, { sub: user.id, typ: 'access', email: String, roles: ['customer'], sid: String, gen: 0 }, 'an access token carries these claims')

  for (const [name, token] of defective(runtime.config.JWT_SECRET, claims, ['email', 'roles', 'sid', 'gen'])) {
    assertHouseError(t, await me(token), 401, 'Unauthorized', name)
  }
  const forgedWrongRole = createSigner({ key: runtime.config.JWT_SECRET, algorithm: 'HS256', iss: ISSUER, aud: AUDIENCE })({ ...claims, roles: ['root'] })
  assertHouseError(t, await me(forgedWrongRole), 401, 'Unauthorized', 'a role that does not exist')

  const intact = createSigner({ key: runtime.config.JWT_SECRET, algorithm: 'HS256', iss: ISSUER, aud: AUDIENCE })(claims)
  const ok = await me(intact)
  t.equal(ok.statusCode, 200, 'the same claims re-signed intact work')
  t.equal(ok.json().user.id, user.id)
  t.equal((await me(session.token)).statusCode, 200, 'and so does the token the API issued')
})

t.test('a refresh token missing or bending a required claim → 401 at /users/token/refresh, session untouched', async (t) => {
  const { app, runtime } = await build(t, { env })
  const { session } = await newAccount(app)
  const refresh = (refreshToken: string) => app.inject({ method: 'POST', url: '/users/token/refresh', payload: { refreshToken } })
  // The defective tokens name the session's current token id: were one accepted, it would rotate the
  // session and the intact one below would then be refused as a reuse.
  const claims = reissuable(session.refreshToken)
  t.match(claims, { typ: 'refresh', sid: String, gen: 0, jti: String }, 'a refresh token carries these claims')

  for (const [name, token] of defective(runtime.config.JWT_SECRET, claims, ['sid', 'gen'])) {
    assertHouseError(t, await refresh(token), 401, 'Unauthorized', name)
  }
  const intact = createSigner({ key: runtime.config.JWT_SECRET, algorithm: 'HS256', iss: ISSUER, aud: AUDIENCE })(claims)
  const ok = await refresh(intact)
  t.equal(ok.statusCode, 200, 'the same claims re-signed intact still rotate the session')
  t.equal((await app.inject({ method: 'GET', url: '/users/me', headers: bearer(ok.json().token) })).statusCode, 200)
})

t.test('an email-verify token missing or bending a required claim → 400 at /users/verify-email, nothing verified', async (t) => {
  const { app, runtime } = await build(t, { env })
  const { email, session } = await newAccount(app)
  const verify = (token: string) => app.inject({ method: 'POST', url: '/users/verify-email', payload: { token } })
  const verified = async () => (await app.inject({ method: 'GET', url: '/users/me', headers: bearer(session.token) })).json().user.emailVerified
  const claims = reissuable(await verificationToken(runtime, email))
  t.match(claims, { typ: 'email-verify', email }, 'an email-verify token carries these claims')

  // The route's documented answer to a bad link is 400 naming the token (not 401: the caller is anonymous).
  for (const [name, token] of defective(runtime.config.JWT_SECRET, claims, ['email'])) {
    const res = await verify(token)
    assertHouseError(t, res, 400, 'ValidationError', name)
    t.equal(res.json().field, 'token', name)
  }
  t.equal(await verified(), false, 'no defective token verified the address')

  const intact = createSigner({ key: runtime.config.JWT_SECRET, algorithm: 'HS256', iss: ISSUER, aud: AUDIENCE })(claims)
  t.equal((await verify(intact)).statusCode, 200, 'the same claims re-signed intact verify')
  t.equal(await verified(), true)
})

t.test('iat within the clock tolerance (a signer a little ahead) is accepted', async (t) => {
  const { app, runtime } = await build(t, { env })
  const { session } = await newAccount(app)
  const claims = reissuable(session.token)
  const now = Math.floor(Date.now() / 1000)
  const token = createSigner({ key: runtime.config.JWT_SECRET, algorithm: 'HS256', iss: ISSUER, aud: AUDIENCE })({ ...claims, iat: now + 1 })
  t.equal((await app.inject({ method: 'GET', url: '/users/me', headers: bearer(token) })).statusCode, 200)
})

t.test('logout revokes the refresh token; the access token lives until it expires (README, Conventions)', async (t) => {
  const { app } = await build(t, { env })
  const { session } = await newAccount(app)
  const out = await app.inject({ method: 'POST', url: '/users/logout', headers: bearer(session.token), payload: { refreshToken: session.refreshToken } })
  t.equal(out.statusCode, 204)
  const refreshed = await app.inject({ method: 'POST', url: '/users/token/refresh', payload: { refreshToken: session.refreshToken } })
  assertHouseError(t, refreshed, 401, 'Unauthorized', 'the refresh token is revoked')
  // A deliberate choice, not an oversight: a session lookup per request would add a DynamoDB read to
  // every authenticated call. Change this assertion together with the README if that changes.
  t.equal((await app.inject({ method: 'GET', url: '/users/me', headers: bearer(session.token) })).statusCode, 200)
})
