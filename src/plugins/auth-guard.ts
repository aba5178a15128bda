// Route-level authorization that denies by default. Every route must declare `config.auth`
// ('public' | 'customer' | 'admin'); registering a route without one fails at startup, so a
// forgotten declaration can never ship as an open route. Non-public routes need an authenticated
// principal; 'admin' routes additionally need the admin role, checked here on the server.
import type { FastifyRequest, onRequestHookHandler } from 'fastify'
import fp from 'fastify-plugin'
import { ForbiddenError, UnauthorizedError } from '../domain/errors'
import type { Principal } from '../domain/user'
import { withHook } from './route-hooks'

export type AuthLevel = 'public' | 'customer' | 'admin'

export type { Principal }

/** Resolves the caller from the request (e.g. a bearer access token); undefined when absent. */
export type Authenticate = (request: FastifyRequest) => Promise<Principal | undefined>

declare module 'fastify' {
  interface FastifyContextConfig {
    auth?: AuthLevel
  }
  interface FastifyRequest {
    principal?: Principal
  }
}

export interface AuthGuardOptions {
  authenticate: Authenticate
  /** Routes under these prefixes (registered by third-party plugins, e.g. the docs UI) are public. */
  publicPrefixes: string[]
  /** Single third-party routes that are public, as `METHOD url` (e.g. the CORS preflight `OPTIONS *`). */
  publicRoutes: string[]
}

export const authGuardPlugin = fp<AuthGuardOptions>(
  async (app, options) => {
    app.decorateRequest('principal', undefined)

    app.addHook('onRoute', (route) => {
      const level = route.config?.auth
      if (level) {
        // The check is a hook of the routes that need it only: public routes (health checks, the
        // catalog, unknown URLs' 404) are the hottest and run no hook of ours for it.
        if (level !== 'public') route.onRequest = withHook(route.onRequest, guardFor(level))
        return
      }
      const methods = Array.isArray(route.method) ? route.method : [route.method]
      const listed = methods.every((method) => options.publicRoutes.includes(`${method} ${route.url}`))
      if (listed || options.publicPrefixes.some((prefix) => route.url.startsWith(prefix))) {
        route.config = { ...route.config, auth: 'public' }
        return
      }
      throw new Error(`Route ${String(route.method)} ${route.url} declares no auth level (config.auth)`)
    })

    /** The onRequest hook of a route of `level` (callback style: no promise of its own). */
    function guardFor(level: AuthLevel): onRequestHookHandler {
      return (request, _reply, done) => {
        authorize(request, level).then(() => done(), done)
      }
    }

    async function authorize(request: FastifyRequest, level: AuthLevel): Promise<void> {
      const principal = await options.authenticate(request)
      if (!principal) throw new UnauthorizedError('Authentication required.')
      if (level === 'admin' && !principal.roles.includes('admin')) throw new ForbiddenError('Admin role required.')
      if (level !== 'customer' && level !== 'admin') throw new ForbiddenError('Route is not accessible.')
      request.principal = principal
    }
  },
  { name: 'auth-guard' }
)

/** The authenticated caller of a non-public route (the guard has already run). */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new UnauthorizedError('Authentication required.')
  return request.principal
}
