// The `node dist/server.js` entry as a real process (run from source through tsx): it starts the
// embedded runtime saying what it is doing, serves /health and /docs, stops cleanly on SIGINT/SIGTERM
// without leaving DynamoDB Local behind, and refuses to start with one clear line on bad config, a
// missing Java or a busy port (the latter at once, before DynamoDB Local is started).
import t from 'tap'
import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { once } from 'node:events'
import { createServer, type AddressInfo } from 'node:net'
import { join } from 'node:path'
import { projectRoot } from '../helpers/build'

const SERVER = join(projectRoot, 'src', 'server.ts')

interface RunningServer {
  child: ChildProcessWithoutNullStreams
  /** Resolves with the first match of `pattern` in everything the server has printed so far or prints later. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>
  /** Everything printed so far, stdout and stderr interleaved. */
  output(): string
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
  return { child, waitFor, output: () => output }
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
    const { child, waitFor: waitForOutput, output } = startServer({})
    t.teardown(() => void child.kill('SIGKILL'))
    const [, url] = await waitForOutput(/listening on (http:\/\/[^\s]+)/)
    // The slow first steps are announced, in order, before the banner (LOG_LEVEL=warn hides the log).
    const steps = [/Starting DynamoDB Local/, /Creating tables/, /Seeding the demo catalog/, /listening on/].map((step) => output().search(step))
    t.ok(steps.every((at, index) => at >= 0 && (index === 0 || at > (steps[index - 1] as number))), 'progress lines come before the banner, in order', { steps })
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

t.test('a busy PORT stops startup at once with one line naming PORT, before DynamoDB Local starts', async (t) => {
  const blocker = createServer()
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve))
  t.teardown(() => void blocker.close())
  const port = String((blocker.address() as AddressInfo).port)

  const startedAt = Date.now()
  const { child, output } = startServer({ PORT: port, HOST: '127.0.0.1' })
  t.teardown(() => void child.kill('SIGKILL'))
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const [code] = await once(child, 'exit')
  t.equal(code, 1)
  t.ok(Date.now() - startedAt < 10_000, 'fails fast')
  t.match(stderr.trim(), new RegExp(`^Port ${port} is in use \\(PORT\\)\\. .*PORT=\\d+`))
  t.equal(stderr.trim().split('\n').length, 1, 'one line, no stack trace')
  // So no java can be left (a check of the process list would see other test files' java, run in parallel).
  t.notMatch(output(), /Starting DynamoDB Local/, 'DynamoDB Local was never started')
})
