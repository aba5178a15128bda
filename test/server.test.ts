// The `node dist/server.js` entry as a real process (run from source through tsx): it starts the
// embedded runtime, serves /health and /docs, stops cleanly on SIGINT/SIGTERM without leaving DynamoDB
// Local behind, and refuses to start with one clear line on bad config or a missing Java.
import t from 'tap'
import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { once } from 'node:events'
import { join } from 'node:path'
import { projectRoot } from './helpers/build'

const SERVER = join(projectRoot, 'src', 'server.ts')

interface RunningServer {
  child: ChildProcessWithoutNullStreams
  /** Resolves with the first match of `pattern` in everything the server has printed so far or prints later. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>
}

function startServer(env: Record<string, string>): RunningServer {
  const child = spawn(process.execPath, ['--import', 'tsx', SERVER], {
    cwd: projectRoot,
    env: { ...process.env, PORT: '0', LOG_LEVEL: 'warn', ...env },
    stdio: 'pipe'
  })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const waitFor = async (pattern: RegExp, timeoutMs = 60_000) => {
    const deadline = Date.now() + timeoutMs
    while (Date.now() < deadline) {
      const match = output.match(pattern)
      if (match) return match
      if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode} before ${pattern}; output:\n${output}`)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    throw new Error(`timed out waiting for ${pattern}; output:\n${output}`)
  }
  return { child, waitFor }
}

function javaProcessesOnPort(port: string): string[] {
  try {
    // The java process itself, not the `sh -c` watchdog whose command line also names the jar.
    return execFileSync('pgrep', ['-f', `^[^ ]*java .*DynamoDBLocal.jar.*-port ${port}( |$)`], { encoding: 'utf8' }).split('\n').filter(Boolean)
  } catch {
    return [] // pgrep exits 1 when nothing matches
  }
}

async function waitFor(check: () => boolean, timeoutMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (check()) return true
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  return check()
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  t.test(`starts the embedded runtime, serves /health and /docs, and ${signal} leaves no java behind`, async (t) => {
    const { child, waitFor: waitForOutput } = startServer({})
    t.teardown(() => void child.kill('SIGKILL'))
    const [, url] = await waitForOutput(/listening on (http:\/\/[^\s]+)/)
    const [, dynamoPort] = await waitForOutput(/DynamoDB Local at http:\/\/127\.0\.0\.1:(\d+)/)
    t.equal(javaProcessesOnPort(dynamoPort as string).length, 1, 'DynamoDB Local is running')

    const health = await fetch(`${url}/health`)
    t.equal(health.status, 200)
    t.same(await health.json(), { status: 'ok' })
    const ready = await fetch(`${url}/health/ready`)
    t.equal(ready.status, 200)
    const docs = await fetch(`${url}/docs`)
    t.equal(docs.status, 200)

    child.kill(signal)
    const [code] = await once(child, 'exit')
    t.equal(code, 0, 'exits cleanly')
    t.ok(await waitFor(() => javaProcessesOnPort(dynamoPort as string).length === 0), 'no java process left')
  })
}

t.test('bad config stops startup with one line naming the variable', async (t) => {
  const { child } = startServer({ PORT: 'eighty' })
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const [code] = await once(child, 'exit')
  t.equal(code, 1)
  t.match(stderr.trim(), /^Invalid configuration: PORT .*"eighty"/)
  t.equal(stderr.trim().split('\n').length, 1, 'one line, no stack trace')
})

t.test('a missing Java stops startup with one clear line', async (t) => {
  const { child } = startServer({ LOCAL_JAVA_PATH: '/nonexistent/bin/java' })
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const [code] = await once(child, 'exit')
  t.equal(code, 1)
  t.match(stderr.trim(), /Java 17/)
  t.equal(stderr.trim().split('\n').length, 1, 'one line, no stack trace')
})
