// The app on stub services, for plugin and route tests that need no storage (no DynamoDB Local, so
// they start in milliseconds): the services a test gives answer as it says; every other one throws
// if called (scripts/openapi-document.ts's uncallableServices), so a route reaching a service it
// should not is a failure, not a silent success. The caller is whoever `principal` says.
import type { FastifyInstance } from 'fastify'
import type { Test } from 'tap'
import { uncallableServices } from '../../scripts/openapi-document'
import { buildApp, type ApiServices } from '../../src/app'
import type { Principal } from '../../src/domain/user'
import { createLogger, type Logger } from '../../src/logger'

export type StubServices = { [Name in keyof ApiServices]?: Partial<ApiServices[Name]> }

export interface StubAppOptions {
  services?: StubServices
  /** The authenticated caller of every request; none by default (non-public routes answer 401). */
  principal?: Principal
  corsOrigins?: string
  /** The process logger; a silent one by default. */
  logger?: Logger
}

export async function stubApp(t: Test, options: StubAppOptions = {}): Promise<FastifyInstance> {
  const uncallable = uncallableServices()
  const services = new Proxy({} as ApiServices, {
    get: (_target, name) => (typeof name === 'string' && options.services?.[name as keyof ApiServices]) || uncallable[name as keyof ApiServices]
  })
  const app = await buildApp({
    config: { CORS_ORIGINS: options.corsOrigins ?? '' },
    services,
    authenticate: async () => options.principal,
    logger: options.logger ?? createLogger({ LOG_LEVEL: 'silent', RUNTIME_MODE: 'local' })
  })
  t.teardown(() => app.close())
  return app
}

export const customer: Principal = { userId: 'user-1', email: 'customer@example.com', roles: ['customer'], sessionId: 'session-1' }
export const admin: Principal = { userId: 'admin-1', email: 'admin@example.com', roles: ['customer', 'admin'], sessionId: 'session-2' }
