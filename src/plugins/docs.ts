// OpenAPI document generated from the routes' TypeBox schemas, served at /docs/json, with the
// Swagger UI at /docs. openapi/openapi.json is the committed copy (scripts/openapi.ts).
// The document is collected as routes are registered (@fastify/swagger, eager: it must see every
// route). The UI is set up on the first request under /docs only: @fastify/swagger-ui globs and
// reads its assets when registered, which cost the API Lambda ~35 ms of a ~320 ms cold start
// (GET /health, median of 12, measured for issue 10) on every cold start, for a page rarely visited.
import swagger, { type StaticDocumentSpec } from '@fastify/swagger'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'

export const DOCS_PREFIX = '/docs'

/** Headers of the UI app's answer that describe its connection, not the content: not passed on. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'date'])

export const docsPlugin = fp(
  async (app) => {
    await app.register(swagger, {
      openapi: {
        openapi: '3.0.3',
        info: {
          title: 'Serverless commerce API',
          description: 'Users, catalog, orders and payments. Money is in integer minor units (e.g. cents).',
          version: '0.1.0'
        },
        components: {
          securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } }
        }
      },
      // Shared schemas appear under their $id (User, Order, ...) rather than def-0, def-1, ...
      refResolver: {
        buildLocalReference: (json, _baseUri, _fragment, index) => (typeof json.$id === 'string' ? json.$id : `def-${index}`)
      },
      transform: ({ schema, url, route }) => {
        // Non-public routes are documented as needing a bearer token.
        const auth = route.config?.auth
        if (!schema || auth === 'public' || auth === undefined) return { schema, url }
        return { schema: { ...schema, security: [{ bearerAuth: [] }] }, url }
      }
    })

    // The UI in an app of its own, built on first use from this app's document; requests under
    // /docs are handed to it in-process (inject), its answers passed on as they are.
    let ui: Promise<FastifyInstance> | undefined
    const buildUi = async (): Promise<FastifyInstance> => {
      const [{ default: Fastify }, { default: swaggerUi }] = await Promise.all([import('fastify'), import('@fastify/swagger-ui')])
      const docs = Fastify()
      // An OpenAPI 3.0 document (`openapi: '3.0.3'` above); app.swagger()'s type also allows 3.1.
      const document = app.swagger() as StaticDocumentSpec['document']
      await docs.register(swagger, { mode: 'static', specification: { document } })
      await docs.register(swaggerUi, { routePrefix: DOCS_PREFIX })
      await docs.ready()
      return docs
    }
    const forward = async (request: FastifyRequest, reply: FastifyReply) => {
      ui ??= buildUi().catch((error: unknown) => {
        ui = undefined
        throw error
      })
      const answer = await (await ui).inject({ method: request.method as 'GET' | 'HEAD', url: request.url, headers: request.headers })
      const headers = Object.fromEntries(Object.entries(answer.headers).filter(([name]) => !HOP_BY_HOP.has(name.toLowerCase())))
      reply.code(answer.statusCode).headers(headers)
      // An empty answer (a redirect) stays empty, without a content type of its own.
      return answer.rawPayload.length > 0 ? reply.send(answer.rawPayload) : reply.send()
    }
    app.addHook('onClose', async () => {
      if (ui) await (await ui).close()
    })
    for (const url of [DOCS_PREFIX, `${DOCS_PREFIX}/*`]) app.get(url, { schema: { hide: true } }, forward)
  },
  { name: 'docs' }
)
