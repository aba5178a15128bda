// The local server's address before it listens (src/local/listen-address.ts): the held port is really
// held (and then free for the app), PORT=0 gets a real port, and the email links follow it unless
// PUBLIC_BASE_URL is set. End to end (a server started with PORT=0 sends links to its own port):
// test/process/pages-browser.test.ts.
import { createServer } from 'node:net'
import t from 'tap'
import { holdPort, localBaseUrl, withListenAddress } from '../../src/local/listen-address'

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer()
    probe.once('error', () => resolve(false))
    probe.listen({ host: '127.0.0.1', port, exclusive: true }, () => probe.close(() => resolve(true)))
  })
}

t.test('PORT=0: a port is picked and held until released, then free to listen on', async (t) => {
  const held = await holdPort('127.0.0.1', 0)
  t.ok(held.port > 0, `a real port (${held.port})`)
  t.equal(await canListen(held.port), false, 'nobody else can take it meanwhile')
  await held.release()
  t.equal(await canListen(held.port), true, 'released for the app')
})

t.test('a given port is held as it is; a busy one is refused', async (t) => {
  const first = await holdPort('127.0.0.1', 0)
  t.teardown(() => first.release())
  await t.rejects(holdPort('127.0.0.1', first.port), { code: 'EADDRINUSE' })
})

t.test('the base URL a browser on this machine reaches', async (t) => {
  t.equal(localBaseUrl('127.0.0.1', 4000), 'http://127.0.0.1:4000')
  t.equal(localBaseUrl('0.0.0.0', 4000), 'http://127.0.0.1:4000', 'every interface: reached on loopback')
  t.equal(localBaseUrl('::', 4000), 'http://[::1]:4000')
  t.equal(localBaseUrl('::1', 4000), 'http://[::1]:4000', 'IPv6 is bracketed')
  t.equal(localBaseUrl('localhost', 4000), 'http://localhost:4000')
})

t.test('PUBLIC_BASE_URL follows the port unless the user set it', async (t) => {
  t.match(withListenAddress({ PORT: '0' }, '127.0.0.1', 41234), { PORT: '41234', PUBLIC_BASE_URL: 'http://127.0.0.1:41234' })
  t.match(withListenAddress({ PORT: '0', PUBLIC_BASE_URL: '' }, '127.0.0.1', 41234), { PUBLIC_BASE_URL: 'http://127.0.0.1:41234' }, 'empty is unset')
  t.match(withListenAddress({ PUBLIC_BASE_URL: 'https://shop.example.com' }, '127.0.0.1', 41234), { PORT: '41234', PUBLIC_BASE_URL: 'https://shop.example.com' })
})
