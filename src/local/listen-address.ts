// The local server's address, known before the embedded runtime is composed, so that the links in
// emails (PUBLIC_BASE_URL) point at the port it really serves on, PORT=0 (any free port) included:
// the port is taken at once and held while Java and the tables start, then handed to the app.
import { createServer } from 'node:net'

export interface HeldPort {
  port: number
  /** Lets the port go, for the app to listen on it right after. */
  release(): Promise<void>
}

/** Listens on host:port (port 0: one the system picks) and holds it until released. */
export function holdPort(host: string, port: number): Promise<HeldPort> {
  return new Promise((resolve, reject) => {
    // A connection made while the port is held (a client polling /health) is dropped at once: kept
    // open, it would never be answered, and closing the holder would wait for it to end.
    const holder = createServer((socket) => socket.destroy())
    holder.unref()
    holder.once('error', reject)
    holder.listen({ host, port, exclusive: true }, () => {
      const held = (holder.address() as { port: number }).port
      resolve({ port: held, release: () => new Promise<void>((done) => holder.close(() => done())) })
    })
  })
}

/**
 * The base URL a browser on this machine reaches the server at: a wildcard HOST (every interface)
 * is reached on loopback; an IPv6 address is bracketed.
 */
export function localBaseUrl(host: string, port: number): string {
  const reachable = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host
  return `http://${reachable.includes(':') ? `[${reachable}]` : reachable}:${port}`
}

/**
 * The environment the runtime is composed from: PORT the held port and, unless the user set it,
 * PUBLIC_BASE_URL this server's own address (locally the pages the links open are served here).
 */
export function withListenAddress(env: NodeJS.ProcessEnv, host: string, port: number): NodeJS.ProcessEnv {
  return { ...env, PORT: String(port), PUBLIC_BASE_URL: env.PUBLIC_BASE_URL || localBaseUrl(host, port) }
}
