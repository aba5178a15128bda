// GET /health (liveness) and GET /health/ready (checks the table store and other probes).
import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { HealthService } from '../services/health-service'

const Liveness = Type.Object({ status: Type.Literal('ok') })
const Readiness = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('unavailable')]),
  checks: Type.Record(Type.String(), Type.Union([Type.Literal('ok'), Type.Literal('down')]))
})

export const healthRoutes: FastifyPluginAsyncTypebox<{ health: HealthService }> = async (app, { health }) => {
  app.get(
    '/health',
    { config: { auth: 'public' }, schema: { tags: ['health'], summary: 'Liveness', response: { 200: Liveness } } },
    async () => ({ status: 'ok' as const })
  )

  app.get(
    '/health/ready',
    {
      config: { auth: 'public' },
      schema: { tags: ['health'], summary: 'Readiness: checks the table store', response: { 200: Readiness, 503: Readiness } }
    },
    async (_request, reply) => {
      const report = await health.readiness()
      return reply.code(report.status === 'ok' ? 200 : 503).send(report)
    }
  )
}
