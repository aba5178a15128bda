// A TCP proxy on 127.0.0.1 in front of a real endpoint (DynamoDB Local), to stage outages the way a
// network does them: `forward` passes bytes both ways; `closed` stops listening (connections are
// refused: ECONNREFUSED); `blackhole` accepts connections and never answers (the client must time
// out). Switching away from `forward` cuts the open connections too, so kept-alive sockets cannot
// slip past the outage.
import { createServer, connect, type Server, type Socket } from 'node:net'

export type ProxyMode = 'forward' | 'closed' | 'blackhole'

export interface TcpProxy {
  /** e.g. http://127.0.0.1:41234 */
  readonly endpoint: string
  readonly mode: ProxyMode
  setMode(mode: ProxyMode): Promise<void>
  close(): Promise<void>
}

export async function startTcpProxy(target: string): Promise<TcpProxy> {
  const { hostname, port: targetPort } = new URL(target)
  if (hostname !== '127.0.0.1') throw new Error(`the proxy forwards to 127.0.0.1 only, not ${hostname}`)
  const sockets = new Set<Socket>()
  let mode: ProxyMode = 'forward'
  let closed = false

  const track = (socket: Socket) => {
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
    socket.on('error', () => socket.destroy())
  }
  const onConnection = (client: Socket) => {
    track(client)
    if (mode === 'blackhole') {
      client.resume() // read and drop whatever is sent; never answer
      return
    }
    const upstream = connect(Number(targetPort), '127.0.0.1')
    track(upstream)
    client.pipe(upstream).pipe(client)
    client.once('close', () => upstream.destroy())
    upstream.once('close', () => client.destroy())
  }
  const cutAll = () => {
    for (const socket of sockets) socket.destroy()
  }

  let server: Server = createServer(onConnection)
  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      server.once('error', reject)
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject)
        const address = server.address()
        resolve(typeof address === 'object' && address ? address.port : port)
      })
    })
  const stopListening = () => new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve()))
  const port = await listen(0)

  return {
    endpoint: `http://127.0.0.1:${port}`,
    get mode() {
      return mode
    },
    async setMode(next) {
      if (closed) throw new Error('proxy closed')
      if (next === mode) return
      const previous = mode
      mode = next
      cutAll()
      if (next === 'closed') {
        await stopListening()
      } else if (previous === 'closed') {
        // The same port again: the clients under test keep their endpoint.
        server = createServer(onConnection)
        await listen(port)
      }
    },
    async close() {
      closed = true
      cutAll()
      await stopListening()
    }
  }
}
