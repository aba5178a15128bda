// How long a socket of the long-running server (the container, the embedded runtime) may take to send
// its request, and stay idle between requests. Fastify's defaults time nothing out (requestTimeout 0):
// a client trickling a body one byte a second holds a socket and a request forever. The Lambda path has
// no sockets (API Gateway hands over whole requests), so these matter only where the app listens.
// Constants rather than settings: they bound abuse, not a workload, and no deployment needs others yet.
import type { ServerOptions } from 'node:http'

export interface ServerLimits {
  /** The whole request, headers and body (at most 256 KB), must arrive within this; else 408 and the socket is closed. */
  requestTimeoutMs: number
  /** The headers of a request must arrive within this from its first byte (or from the connection, for its first request). */
  headersTimeoutMs: number
  /**
   * An idle keep-alive connection is closed after this. Behind a load balancer it must be longer than
   * the balancer's idle timeout (ALB: 60 s by default), so that the balancer always closes first and
   * never sends a request on a connection we are closing at that moment (a 502 for that client).
   */
  keepAliveTimeoutMs: number
  /** How often Node looks for requests over the two timeouts above: a slow request is cut up to this late. */
  checkIntervalMs: number
}

export const SERVER_LIMITS: ServerLimits = {
  // Ample for 256 KB on a slow mobile link; a slowloris holds a socket at most this long.
  requestTimeoutMs: 30_000,
  headersTimeoutMs: 10_000,
  // 60 s ALB idle timeout + 5 s margin (raise both together if the balancer's is raised).
  keepAliveTimeoutMs: 65_000,
  // Node's default is 30 s, which would let a 30 s timeout run to 60 s; the check walks only the
  // connections with a request in progress.
  checkIntervalMs: 1_000
}

/** The Fastify server options that apply `limits` (tests pass shorter ones). */
export function serverLimitOptions(limits: ServerLimits): { requestTimeout: number; keepAliveTimeout: number; http: ServerOptions } {
  return {
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    // Given to http.createServer too, which requires headersTimeout <= requestTimeout.
    http: {
      requestTimeout: limits.requestTimeoutMs,
      headersTimeout: Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs),
      connectionsCheckingInterval: limits.checkIntervalMs
    }
  }
}
