// Helpers for tests that need accounts: register, verify through the local mailbox, log in.
import type { FastifyInstance } from 'fastify'
import type { EmbeddedRuntime } from '../../src/local/runtime'

export const PASSWORD = 'correct horse battery'

let counter = 0
export function uniqueEmail(prefix = 'user'): string {
  counter += 1
  return `${prefix}-${process.pid}-${counter}-${Date.now()}@example.com`
}

export async function register(app: FastifyInstance, email = uniqueEmail(), password = PASSWORD) {
  const res = await app.inject({ method: 'POST', url: '/users/register', payload: { email, password, firstName: 'Ada', lastName: 'Lovelace' } })
  if (res.statusCode !== 201) throw new Error(`register failed: ${res.statusCode} ${res.body}`)
  return res.json().user as { id: string; email: string; roles: string[] }
}

export async function login(app: FastifyInstance, email: string, password = PASSWORD) {
  const res = await app.inject({ method: 'POST', url: '/users/login', payload: { email, password } })
  if (res.statusCode !== 200) throw new Error(`login failed: ${res.statusCode} ${res.body}`)
  return res.json() as { token: string; refreshToken: string; expiresIn: number; user: { id: string; roles: string[] } }
}

/** The token in the newest verification email sent to `email`. */
export async function verificationToken(runtime: EmbeddedRuntime, email: string): Promise<string> {
  await runtime.idle()
  const message = runtime.mailbox.messages().reverse().find((entry) => entry.to === email)
  if (!message) throw new Error(`no email to ${email}`)
  const match = /token=([^\s&]+)/.exec(message.text)
  if (!match) throw new Error('no token in the email')
  return decodeURIComponent(match[1] as string)
}

export async function registerVerifiedUser(app: FastifyInstance, runtime: EmbeddedRuntime, email = uniqueEmail()) {
  const user = await register(app, email)
  const token = await verificationToken(runtime, email)
  const res = await app.inject({ method: 'POST', url: '/users/verify-email', payload: { token } })
  if (res.statusCode !== 200) throw new Error(`verify failed: ${res.statusCode} ${res.body}`)
  return { user, session: await login(app, email) }
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` })
