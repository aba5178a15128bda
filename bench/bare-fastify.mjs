// The baseline of the throughput benchmark: a bare Fastify hello-world with the same GET /health
// answer as our server and nothing else (no logger, hooks or plugins). Listens on PORT (loopback).
import Fastify from 'fastify'

const app = Fastify({ logger: false })
app.get('/health', async () => ({ status: 'ok' }))

const stop = () => app.close().then(() => process.exit(0))
process.once('SIGINT', stop)
process.once('SIGTERM', stop)

await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT ?? 3000) })
