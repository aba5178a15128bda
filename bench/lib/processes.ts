// Child processes for benchmarks: HTTP servers started on a free loopback port and stopped with
// SIGTERM (so they clean up after themselves), and one-shot commands timed from spawn to exit.
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { createServer } from 'node:net'

export interface RunningServer {
  url: string
  stop(): Promise<void>
}

export async function freePort(): Promise<number> {
  const server = createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const address = server.address()
  server.close()
  if (!address || typeof address === 'string') throw new Error('no port assigned')
  return address.port
}

/**
 * Runs `node <args>` with PORT set to a free port and resolves once GET `readyPath` answers 200.
 * The output is kept (not shown) and quoted if the server fails to start.
 */
export async function startServer(args: string[], env: NodeJS.ProcessEnv, readyPath = '/health', startTimeoutMs = 180_000): Promise<RunningServer> {
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4_000))
  child.stdout.on('data', keep)
  child.stderr.on('data', keep)
  const exited = once(child, 'exit')

  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return
    child.kill('SIGTERM')
    await exited
  }
  const deadline = Date.now() + startTimeoutMs
  while (child.exitCode === null) {
    const response = await fetch(`${url}${readyPath}`).catch(() => undefined)
    if (response?.status === 200) return { url, stop }
    if (Date.now() > deadline) {
      await stop()
      throw new Error(`node ${args.join(' ')} did not answer ${readyPath} within ${startTimeoutMs} ms; output:\n${output}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`node ${args.join(' ')} exited with ${child.exitCode} before answering; output:\n${output}`)
}

export interface TimedRun {
  wallMs: number
  stdout: string
}

/** Runs `node <args>` to completion; wall time is from spawn to exit. Fails on a non-zero exit. */
export async function timedNodeRun(args: string[], env: NodeJS.ProcessEnv): Promise<TimedRun> {
  const started = process.hrtime.bigint()
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  // 'close', not 'exit': the output is complete only when the pipes are closed.
  const [code] = (await once(child, 'close')) as [number | null]
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6
  if (code !== 0) throw new Error(`node ${args.join(' ')} exited with ${code}:\n${stderr}`)
  return { wallMs, stdout }
}
