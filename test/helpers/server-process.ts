// The local server (`src/server.ts` through tsx) as a real child process in its own process group, so
// a test can SIGKILL it together with its DynamoDB Local, SIGSTOP DynamoDB Local, and start it again on
// the same data. Plus a small HTTP client for the shop's API. Loopback only.
import { spawn, execFileSync, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { join } from 'node:path'
import { projectRoot } from './build'

const SERVER = join(projectRoot, 'src', 'server.ts')

export interface ServerProcess {
  child: ChildProcessWithoutNullStreams
  url: string
  dynamodbPort: string
  output(): string
  /** SIGKILL of the whole process group: the server and its DynamoDB Local die at once. */
  kill(): Promise<void>
  /** Graceful stop (SIGTERM), as Ctrl-C would. */
  stop(): Promise<void>
  /** The pid of this server's DynamoDB Local (java). */
  dynamodbPid(): number
}

export async function startServer(env: Record<string, string>, timeoutMs = 90_000): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', SERVER], {
    cwd: projectRoot,
    env: { ...process.env, PORT: '0', LOG_LEVEL: 'warn', ...env },
    stdio: 'pipe',
    detached: true
  })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-200_000)))
  child.stderr.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-200_000)))
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const waitFor = async (pattern: RegExp) => {
    const deadline = Date.now() + timeoutMs
    while (Date.now() < deadline) {
      const match = output.match(pattern)
      if (match) return match
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`server exited before ${pattern}; output:\n${output}`)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    throw new Error(`timed out waiting for ${pattern}; output:\n${output}`)
  }
  const killGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-(child.pid as number), signal)
    } catch {
      // already gone
    }
  }
  try {
    const [, url] = await waitFor(/listening on (http:\/\/[^\s]+)/)
    const [, dynamodbPort] = await waitFor(/DynamoDB Local at http:\/\/127\.0\.0\.1:(\d+)/)
    return {
      child,
      url: url as string,
      dynamodbPort: dynamodbPort as string,
      output: () => output,
      async kill() {
        killGroup('SIGKILL')
        await exited
        await waitUntil(() => javaOnPort(dynamodbPort as string).length === 0, 10_000)
      },
      async stop() {
        killGroup('SIGTERM')
        await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 15_000))])
        killGroup('SIGKILL')
        await exited
      },
      dynamodbPid() {
        const [pid] = javaOnPort(dynamodbPort as string)
        if (!pid) throw new Error(`no DynamoDB Local on port ${dynamodbPort}`)
        return Number(pid)
      }
    }
  } catch (error) {
    killGroup('SIGKILL')
    throw error
  }
}

function javaOnPort(port: string): string[] {
  try {
    return execFileSync('pgrep', ['-f', `^[^ ]*java .*DynamoDBLocal.jar.*-port ${port}( |$)`], { encoding: 'utf8' }).split('\n').filter(Boolean)
  } catch {
    return [] // pgrep exits 1 when nothing matches
  }
}

export async function waitUntil(check: () => boolean | Promise<boolean>, timeoutMs: number, everyMs = 200): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await check()) return true
    await new Promise((resolve) => setTimeout(resolve, everyMs))
  }
  return check()
}

export interface HttpAnswer {
  status: number
  body: Record<string, unknown>
}

/** JSON over HTTP against a running server; network errors (a killed server) are answered as status 0. */
export function httpClient(baseUrl: () => string) {
  return async (method: string, path: string, options: { token?: string; body?: unknown; headers?: Record<string, string>; timeoutMs?: number } = {}): Promise<HttpAnswer> => {
    try {
      const response = await fetch(`${baseUrl()}${path}`, {
        method,
        headers: {
          ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
          ...options.headers
        },
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal: AbortSignal.timeout(options.timeoutMs ?? 30_000)
      })
      const text = await response.text()
      return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} }
    } catch {
      return { status: 0, body: {} }
    }
  }
}
