// Child processes for benchmarks: HTTP servers started on a free loopback port and stopped with
// SIGTERM (so they clean up after themselves), and one-shot commands timed from spawn to exit.
import { execFileSync, spawn } from 'node:child_process'
import { availableParallelism } from 'node:os'
import { once } from 'node:events'
import { createServer } from 'node:net'

export interface RunningServer {
  url: string
  /** The server's Node process (taskset execs it, so pinning keeps the pid). */
  pid: number | undefined
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
 * CPU pinning for side-by-side comparisons on a small shared machine: the servers on one CPU, the
 * load generator (this process) on another, so the scheduler does not move them around and the
 * compared servers meet the same conditions. Undefined when the machine has one CPU or no taskset.
 */
export function cpuPinning(): { serverCpu: number; clientCpu: number; release(): void } | undefined {
  const cpus = availableParallelism()
  if (cpus < 2) return undefined
  const pin = (list: string) => execFileSync('taskset', ['-p', '-c', list, String(process.pid)], { stdio: 'ignore' })
  try {
    pin('1')
    return { serverCpu: 0, clientCpu: 1, release: () => pin(`0-${cpus - 1}`) }
  } catch {
    return undefined
  }
}

/**
 * Runs `node <args>` with PORT set to a free port and resolves once GET `readyPath` answers 200.
 * The output is kept (not shown) and quoted if the server fails to start. With `cpu`, the server
 * (and its children) run on that CPU only.
 */
export async function startServer(args: string[], env: NodeJS.ProcessEnv, readyPath = '/health', startTimeoutMs = 180_000, cpu?: number): Promise<RunningServer> {
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const [command, commandArgs] = cpu === undefined ? [process.execPath, args] : ['taskset', ['-c', String(cpu), process.execPath, ...args]]
  const child = spawn(command, commandArgs, { env: { ...process.env, ...env, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] })
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
    if (response?.status === 200) return { url, pid: child.pid, stop }
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
