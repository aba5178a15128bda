// Errors raised before a route runs answer in the house shape `{ error, message, requestId }` with
// `x-correlation-id`, and never echo more than a short prefix of the caller's input: the router's
// (bad percent-encoding, an over-long path parameter; through inject), Node's HTTP parser's (headers
// too large) and the server's timeouts (a body or headers trickled in; a real listening server and a
// raw socket, since inject has neither a parser nor sockets).
import t, { type Test } from 'tap'
import { connect } from 'node:net'
import type { AddressInfo } from 'node:net'
import { Type } from '@sinclair/typebox'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { ECHO_LIMIT } from '../../src/plugins/error-handler'
import { build } from '../helpers/build'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
const LONG = 'x'.repeat(10_000)

/** No message or detail of an error body carries a run of input longer than ECHO_LIMIT (+ the ellipsis). */
function echoesAtMost(t: Test, body: string): void {
  t.notMatch(body, new RegExp(`x{${ECHO_LIMIT + 1}}`), 'at most a short prefix of the input is echoed')
  t.ok(body.length < 600, `the body is short (${body.length} characters)`)
}

t.test('a bad percent-encoding in a path parameter → 400 in the house shape, correlation id echoed', async (t) => {
  const { app } = await build(t)
  const res = await app.inject({ method: 'GET', url: '/products/%E0%A4%A', headers: { 'x-correlation-id': 'fw-bad-url' } })
  t.equal(res.statusCode, 400)
  t.same(res.json(), { error: 'BadRequest', message: 'The URL is not valid: it has a malformed percent-encoding.', requestId: 'fw-bad-url' })
  t.equal(res.headers['x-correlation-id'], 'fw-bad-url')
  t.match(res.headers['content-type'], /^application\/json/)
  const long = await app.inject({ method: 'GET', url: `/products/%zz${LONG.slice(0, 90)}` })
  t.equal(long.statusCode, 400)
  t.match(long.json().requestId, UUID, 'a generated request id without a correlation id')
  t.equal(long.headers['x-correlation-id'], long.json().requestId)
  echoesAtMost(t, long.body)
})

t.test('a 10 KB path parameter → 414 in the house shape, not echoed', async (t) => {
  const { app } = await build(t)
  for (const url of [`/products/${LONG}`, `/orders/${LONG}`, `/users/${LONG}?q=${LONG}`]) {
    const res = await app.inject({ method: 'GET', url, headers: { 'x-correlation-id': 'fw-long' } })
    t.equal(res.statusCode, 414, url.slice(0, 20))
    t.same(res.json(), { error: 'UriTooLong', message: 'A path parameter of the URL is too long.', requestId: 'fw-long' })
    t.equal(res.headers['x-correlation-id'], 'fw-long')
    echoesAtMost(t, res.body)
  }
})

t.test('an unknown 10 KB route → 404 naming only a prefix of the path', async (t) => {
  const { app } = await build(t)
  const res = await app.inject({ method: 'GET', url: `/nope/${LONG}?q=${LONG}` })
  t.equal(res.statusCode, 404)
  t.equal(res.json().error, 'NotFound')
  t.match(res.json().message, /^Route GET \/nope\/x+… not found$/)
  t.match(res.json().requestId, UUID)
  t.equal(res.headers['x-correlation-id'], res.json().requestId)
  echoesAtMost(t, res.body)
})

t.test('a validation error on a 10 KB property name names only its prefix', async (t) => {
  const { app } = await build(t, {
    extend: (app) => {
      app.withTypeProvider<TypeBoxTypeProvider>().post(
        '/tally',
        { config: { auth: 'public' }, schema: { body: Type.Object({ counts: Type.Record(Type.String(), Type.Integer()) }) } },
        async (request) => request.body
      )
    }
  })
  const res = await app.inject({ method: 'POST', url: '/tally', payload: { counts: { [LONG]: 'not a number' } } })
  t.equal(res.statusCode, 400)
  t.equal(res.json().error, 'ValidationError')
  t.match(res.json().field, /^counts\.x+…$/)
  t.ok(res.json().requestId)
  echoesAtMost(t, res.body)
})

interface RawAnswer {
  status: number
  headers: Record<string, string>
  body: string
  elapsedMs: number
}

/**
 * Opens a socket to the server, lets `talk` write to it, and collects what comes back until the
 * server closes it (or `limitMs` passes: then the answer is status 0, and the socket is destroyed).
 */
function rawExchange(port: number, talk: (write: (chunk: string) => boolean) => void | (() => void), limitMs = 15_000): Promise<RawAnswer> {
  return new Promise((resolve) => {
    const started = Date.now()
    const socket = connect(port, '127.0.0.1')
    let received = ''
    let stop: void | (() => void)
    const limit = setTimeout(() => socket.destroy(), limitMs)
    socket.setEncoding('utf8')
    socket.on('data', (chunk: string) => (received += chunk))
    socket.on('error', () => undefined) // the server may reset the socket while we write
    socket.on('close', () => {
      clearTimeout(limit)
      stop?.()
      const [head = '', body = ''] = received.split('\r\n\r\n', 2)
      const [statusLine = '', ...lines] = head.split('\r\n')
      const headers = Object.fromEntries(lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]))
      resolve({ status: Number(statusLine.split(' ')[1] ?? 0) || 0, headers, body, elapsedMs: Date.now() - started })
    })
    socket.on('connect', () => {
      stop = talk((chunk) => !socket.destroyed && socket.write(chunk))
    })
  })
}

/** Writes one byte of body a second, at most `count` of them (stops when the socket closes). */
function trickle(write: (chunk: string) => boolean, count: number): () => void {
  let sent = 0
  const timer = setInterval(() => {
    if (sent++ >= count || !write('a')) clearInterval(timer)
  }, 1_000)
  return () => clearInterval(timer)
}

t.test('a listening server: slow bodies and slow headers time out with 408, huge headers get 431, all in the house shape', async (t) => {
  const { app, logs } = await build(t, { serverLimits: { requestTimeoutMs: 2_000, headersTimeoutMs: 2_000, checkIntervalMs: 200 } })
  await app.listen({ host: '127.0.0.1', port: 0 })
  const { port } = app.server.address() as AddressInfo

  // Several sockets trickling a body one byte a second: each is answered 408 and closed, not kept.
  const slowBodies = await Promise.all(
    [1, 2, 3].map((n) =>
      rawExchange(port, (write) => {
        write(`POST /users/login HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/json\r\ncontent-length: 100\r\nx-correlation-id: slow-${n}\r\n\r\n{`)
        return trickle(write, 99)
      })
    )
  )
  slowBodies.forEach((answer, index) => {
    t.equal(answer.status, 408, `slow body ${index + 1}: 408`)
    t.ok(answer.elapsedMs < 10_000, `slow body ${index + 1}: cut after ${answer.elapsedMs} ms`)
    t.same(JSON.parse(answer.body), { error: 'RequestTimeout', message: 'The request was not received in time.', requestId: `slow-${index + 1}` })
    t.equal(answer.headers['x-correlation-id'], `slow-${index + 1}`)
    t.match(answer.headers['content-type'], /^application\/json/)
  })

  // Headers never finished: the same, with a generated request id (no headers were read).
  const slowHeaders = await rawExchange(port, (write) => {
    write('GET /health HTTP/1.1\r\nhost: localhost\r\n')
    return trickle(write, 30)
  })
  t.equal(slowHeaders.status, 408, 'slow headers: 408')
  t.ok(slowHeaders.elapsedMs < 10_000, `slow headers: cut after ${slowHeaders.elapsedMs} ms`)
  t.equal(JSON.parse(slowHeaders.body).error, 'RequestTimeout')
  t.match(JSON.parse(slowHeaders.body).requestId, UUID)
  t.equal(slowHeaders.headers['x-correlation-id'], JSON.parse(slowHeaders.body).requestId)

  // Headers over Node's limit (16 KB): refused by the parser before Fastify, still in the house shape.
  const huge = await rawExchange(port, (write) => {
    write(`GET /health HTTP/1.1\r\nhost: localhost\r\nx-correlation-id: huge-1\r\nx-big: ${LONG}${LONG}\r\n\r\n`)
  })
  t.equal(huge.status, 431, 'huge headers: 431')
  const hugeBody = JSON.parse(huge.body)
  t.same(hugeBody, { error: 'HeadersTooLarge', message: 'The request headers (or the URL) are too large.', requestId: hugeBody.requestId })
  t.match(hugeBody.requestId, UUID)
  t.equal(huge.headers['x-correlation-id'], hugeBody.requestId)
  t.equal(huge.headers.connection, 'close')

  // A 20 KB URL is over the same limit: 431, and nothing of it is echoed.
  const longUrl = await rawExchange(port, (write) => {
    write(`GET /nope/${LONG}${LONG} HTTP/1.1\r\nhost: localhost\r\n\r\n`)
  })
  t.equal(longUrl.status, 431, 'huge URL: 431')
  echoesAtMost(t, longUrl.body)

  // Bytes that are not HTTP: 400 in the same shape.
  const garbage = await rawExchange(port, (write) => {
    write('NOT HTTP AT ALL\r\n\r\n')
  })
  t.equal(garbage.status, 400, 'malformed request: 400')
  t.equal(JSON.parse(garbage.body).error, 'BadRequest')
  t.match(JSON.parse(garbage.body).requestId, UUID)

  // Meanwhile a normal request is served, on a kept-alive connection, and so is one after the abuse.
  const normal = await fetch(`http://127.0.0.1:${port}/health`, { headers: { 'x-correlation-id': 'normal-1' } })
  t.equal(normal.status, 200)
  t.same(await normal.json(), { status: 'ok' })
  t.equal(normal.headers.get('x-correlation-id'), 'normal-1')
  const login = await fetch(`http://127.0.0.1:${port}/users/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'nobody@example.com', password: 'wrong password' })
  })
  t.equal(login.status, 401, 'a whole body in time is handled (an unknown account: 401)')

  // Each refusal is logged once, with the request id it answered; none is an error of ours.
  const refusals = logs.lines.filter((line) => line.msg === 'client error')
  t.same(refusals.map((line) => line.statusCode).sort(), [400, 408, 408, 408, 408, 431, 431])
  t.ok(refusals.some((line) => line.correlationId === 'slow-1'), 'logged with the correlation id it answered')
  t.same(logs.lines.filter((line) => Number(line.level) >= 50), [], 'nothing logged as an error')
})

t.test('the production limits time out slow requests and outlast the ALB idle timeout', async (t) => {
  const { SERVER_LIMITS, serverLimitOptions } = await import('../../src/server-limits')
  const options = serverLimitOptions(SERVER_LIMITS)
  t.ok(options.requestTimeout > 0 && options.requestTimeout <= 60_000, 'a request must arrive within a minute')
  t.ok(options.http.headersTimeout !== undefined && options.http.headersTimeout > 0 && options.http.headersTimeout <= options.requestTimeout)
  t.ok(options.keepAliveTimeout > 60_000, 'keep-alive outlasts the ALB idle timeout (60 s)')
  const { app } = await build(t)
  t.equal(app.server.keepAliveTimeout, SERVER_LIMITS.keepAliveTimeoutMs, 'the app uses them')
  t.equal(app.server.headersTimeout, SERVER_LIMITS.headersTimeoutMs)
  t.equal(app.server.requestTimeout, SERVER_LIMITS.requestTimeoutMs)
})
