// OpenAPI document generated from the routes' TypeBox schemas, served at /docs/json, with the
// Swagger UI at /docs. openapi/openapi.json is the committed copy (scripts/openapi.ts).
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import fp from 'fastify-plugin'

export const DOCS_PREFIX = '/docs'

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
    await app.register(swaggerUi, { routePrefix: DOCS_PREFIX })
  },
  { name: 'docs' }
)
