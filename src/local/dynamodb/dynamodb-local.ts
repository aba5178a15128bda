// DynamoDB Local (the official AWS emulator, a Java program) run as a child process for the embedded
// runtime: on a free loopback port, in memory or persisted in a folder. It must never outlive this
// process, even when this process is SIGKILLed or crashes — Node has no "kill my children when I
// die" option, so a tiny shell watchdog holds a pipe from us and kills Java when the pipe closes.
// Should a Java survive anyway (its watchdog killed with it), a pid file in the data folder lets the
// next start on that folder find and stop it.
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join, resolve } from 'node:path'
import type { Readable } from 'node:stream'
import { DynamoDBClient, ListTablesCommand, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb'
import { DYNAMODB_LOCAL_DIR, isDynamoDbLocalInstalled } from './emulator-pin.mjs'
import { LOCAL_REGION } from '../template/names'
import { AWS_CLIENT_LIMITS } from '../../adapters/aws/client-limits'
import { projectRootFrom } from '../../infra/project-root'
import { silentLog, type Log } from '../log'

export interface DynamoDbLocalOptions {
  /** Keep the data in this folder (created if missing); in memory when absent. */
  dataDir?: string
  /** 0 or absent: a free loopback port. */
  port?: number
  /** Receives DynamoDB Local's output at debug and problems (e.g. an unexpected exit) at warn. */
  log?: Log
  /** The Java 17+ executable; `java` on PATH by default. */
  javaPath?: string
  /** The extracted emulator; `.cache/dynamodb-local` in the project root by default. */
  emulatorDir?: string
  /** How long it may take to answer its first request. */
  startTimeoutMs?: number
}

export interface DynamoDbLocal {
  /** e.g. `http://127.0.0.1:41234` */
  endpoint: string
  /** Process id of the Java process. */
  pid: number
  /** Kills it; resolves once it has exited. */
  stop(): Promise<void>
}

const MIN_JAVA_VERSION = 17

/** Java is missing or too old. The message is one line, fit to show the user as it is. */
export class JavaMissingError extends Error {
  constructor(reason: string) {
    super(
      `DynamoDB Local needs Java ${MIN_JAVA_VERSION} or newer on PATH (${reason}). ` +
        `Install a JRE ${MIN_JAVA_VERSION}+ (e.g. apt-get install openjdk-17-jre-headless) and retry.`
    )
    this.name = 'JavaMissingError'
  }
}

/** The emulator has not been fetched into .cache/ yet. */
export class DynamoDbLocalNotInstalledError extends Error {
  constructor(dir: string) {
    super(`DynamoDB Local is not installed in ${dir}. Run \`node scripts/dynamodb-local.mjs\` (npm start and npm test do it).`)
    this.name = 'DynamoDbLocalNotInstalledError'
  }
}

/**
 * Client settings for a DynamoDB Local endpoint (it accepts any credentials; -sharedDb ignores them),
 * with the same time limits as on AWS: a stopped or hung DynamoDB Local costs a request seconds.
 */
export function dynamoDbLocalClientConfig(endpoint: string): DynamoDBClientConfig {
  return { endpoint, region: LOCAL_REGION, credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, ...AWS_CLIENT_LIMITS }
}

export async function startDynamoDbLocal(options: DynamoDbLocalOptions = {}): Promise<DynamoDbLocal> {
  const javaPath = options.javaPath ?? 'java'
  await checkJava(javaPath)
  const emulatorDir = options.emulatorDir ?? join(projectRootFrom(import.meta.url), DYNAMODB_LOCAL_DIR)
  if (!isDynamoDbLocalInstalled(emulatorDir)) throw new DynamoDbLocalNotInstalledError(emulatorDir)
  const dataDir = options.dataDir === undefined ? undefined : resolve(options.dataDir)
  if (dataDir) mkdirSync(dataDir, { recursive: true })
  if (dataDir) await stopStaleInstance(dataDir, options.log ?? silentLog)

  // A port asked for must be free: otherwise whatever holds it could answer our readiness check.
  if (options.port) await assertPortFree(options.port)
  // A port we picked can be taken by someone else before Java binds it: then pick another.
  for (let attempt = 1; ; attempt++) {
    const port = options.port || (await freeLoopbackPort())
    try {
      return await launch({ ...options, javaPath, emulatorDir, dataDir, port })
    } catch (error) {
      if (!(error instanceof PortInUseError) || options.port || attempt >= 3) throw error
    }
  }
}

// A passed check holds for the life of the process (tests start many instances).
const javaChecked = new Set<string>()

async function checkJava(javaPath: string): Promise<void> {
  if (javaChecked.has(javaPath)) return
  let output: string
  try {
    const { stdout, stderr } = await new Promise<{ stdout: string; stderr: string }>((done, fail) => {
      execFile(javaPath, ['-version'], { timeout: 15_000 }, (error, stdout, stderr) => (error ? fail(error) : done({ stdout, stderr })))
    })
    output = `${stderr}\n${stdout}`
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new JavaMissingError(code === 'ENOENT' ? `${javaPath} not found` : `${javaPath} -version failed: ${String(code ?? (error as Error).message)}`)
  }
  // `openjdk version "17.0.15"`, `java version "1.8.0_392"` (Java 8 numbers itself 1.8), `"21"`.
  const match = /version "(\d+)(?:\.(\d+))?/.exec(output)
  if (!match) throw new JavaMissingError(`cannot tell the version of ${javaPath}`)
  const major = match[1] === '1' ? Number(match[2]) : Number(match[1])
  if (major < MIN_JAVA_VERSION) throw new JavaMissingError(`${javaPath} is Java ${major}`)
  javaChecked.add(javaPath)
}

function freeLoopbackPort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer()
    server.unref()
    server.once('error', fail)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => (address && typeof address === 'object' ? done(address.port) : fail(new Error('no port'))))
    })
  })
}

/** Binds `port` on every interface, as Java will, and lets it go again. */
function assertPortFree(port: number): Promise<void> {
  return new Promise((done, fail) => {
    const server = createServer()
    server.unref()
    server.once('error', (error: NodeJS.ErrnoException) =>
      fail(error.code === 'EADDRINUSE' ? new PortInUseError(port) : error)
    )
    server.listen(port, () => server.close(() => done()))
  })
}

class PortInUseError extends Error {
  constructor(port: number) {
    super(`DynamoDB Local cannot listen on port ${port}: it is in use (LOCAL_DYNAMODB_PORT; 0, the default, takes a free one)`)
    this.name = 'PortInUseError'
  }
}

// The watchdog. $0 is java, "$@" its arguments. Java's process id goes out on fd 3. A background
// subshell waits for end-of-file on our pipe (fd 4, a copy of stdin): that comes when we close it
// (stop) or when this Node process dies in any way, and it kills Java. The shell itself waits for
// Java, so its exit means Java is gone. Signals to the shell are passed on to Java.
const WATCHDOG = `
exec 4<&0 0</dev/null
"$0" "$@" 3>&- 4<&- &
pid=$!
echo "$pid" >&3
exec 3>&-
{ read _ <&4; kill "$pid"; } >/dev/null 2>&1 &
watchdog=$!
exec 4<&-
trap 'kill "$pid" 2>/dev/null' HUP INT TERM
while :; do
  wait "$pid"; status=$?
  [ "$status" -gt 128 ] && kill -0 "$pid" 2>/dev/null || break
done
kill "$watchdog" 2>/dev/null
exit "$status"
`

interface LaunchOptions {
  javaPath: string
  emulatorDir: string
  dataDir: string | undefined
  port: number
  log?: Log
  startTimeoutMs?: number
}

async function launch(options: LaunchOptions): Promise<DynamoDbLocal> {
  const { emulatorDir, dataDir, port } = options
  const log = options.log ?? silentLog
  const args = [
    `-Djava.library.path=${join(emulatorDir, 'DynamoDBLocal_lib')}`,
    '-jar',
    join(emulatorDir, 'DynamoDBLocal.jar'),
    '-disableTelemetry',
    '-port',
    String(port),
    // One database for every access key and region, so any client (the app, a test, the AWS CLI
    // with other credentials) sees the same tables.
    '-sharedDb',
    ...(dataDir ? ['-dbPath', dataDir] : ['-inMemory'])
  ]
  // detached: its own process group, so a Ctrl-C in the terminal reaches only us; the server then
  // shuts down in order and calls stop().
  // cwd: DynamoDB Local writes a metadata file into its working directory; keep it in the emulator's folder.
  const child = spawn('sh', ['-c', WATCHDOG, options.javaPath, ...args], { cwd: emulatorDir, detached: true, stdio: ['pipe', 'pipe', 'pipe', 'pipe'] })
  // Rejects when Java exits or reports a fatal error before it answers.
  let failStart: (error: Error) => void = () => {}
  const startFailed = new Promise<never>((_, fail) => (failStart = fail))
  startFailed.catch(() => {})
  const output = new OutputTail(log, () => failStart(new Error('Java reported a fatal error')))
  child.stdout?.setEncoding('utf8').on('data', (text: string) => output.add('stdout', text))
  child.stderr?.setEncoding('utf8').on('data', (text: string) => output.add('stderr', text))

  // Errors after startup (a failed kill, a closed pipe) are reported by the exit they lead to.
  child.on('error', (error) => log.warn({}, `DynamoDB Local launcher: ${error.message}`))
  child.stdin?.on('error', () => {})

  let exited = false
  const exit = new Promise<string>((done) => {
    child.once('exit', (code, signal) => {
      exited = true
      done(signal ? `signal ${signal}` : `code ${code}`)
    })
  })

  const pid = await javaPid(child)
  const pidFile = dataDir ? writePidFile(dataDir, pid) : undefined
  let stopping = false
  // Normal exit of this process: kill synchronously (the watchdog would too, a moment later).
  const onProcessExit = () => {
    if (exited) return
    try {
      process.kill(pid, 'SIGTERM')
    } catch {
      // already gone
    }
  }
  process.on('exit', onProcessExit)
  void exit.then((how) => {
    failStart(new Error(`it exited (${how})`))
    process.off('exit', onProcessExit)
    if (pidFile) removePidFile(pidFile, pid)
    if (!stopping) log.warn({}, `DynamoDB Local exited unexpectedly (${how})${output.describe()}`)
  })

  const endpoint = `http://127.0.0.1:${port}`
  const stop = async () => {
    stopping = true
    child.ref() // awaiting the exit must keep this process alive
    child.stdin?.end()
    // Java normally exits within a second of SIGTERM; a hung JVM gets SIGKILL.
    const force = setTimeout(() => {
      try {
        process.kill(pid, 'SIGKILL')
      } catch {
        // already gone
      }
      child.kill('SIGKILL')
    }, 10_000)
    await exit
    clearTimeout(force)
  }

  try {
    await waitUntilAnswering(endpoint, startFailed, options.startTimeoutMs ?? 30_000)
  } catch (error) {
    await stop()
    if (output.portInUse) throw new PortInUseError(port)
    throw new Error(`DynamoDB Local did not start on port ${port}: ${(error as Error).message}${output.describe()}`, { cause: error })
  }
  // Running, it must not keep this process alive: a script that never calls stop() still ends,
  // and the exit handler and watchdog kill Java.
  child.unref()
  for (const stream of [child.stdin, child.stdout, child.stderr, child.stdio[3]]) (stream as { unref?: () => void } | null)?.unref?.()
  log.debug({}, `DynamoDB Local (pid ${pid}) at ${endpoint}, ${dataDir ? `data in ${dataDir}` : 'in memory'}`)
  return { endpoint, pid, stop }
}

/** In the data folder: which Java serves it and which process started that Java. */
const PID_FILE = 'dynamodb-local.pid'

interface PidRecord {
  java: number
  owner: number
}

function writePidFile(dataDir: string, javaPid: number): string {
  const file = join(dataDir, PID_FILE)
  writeFileSync(file, `${JSON.stringify({ java: javaPid, owner: process.pid } satisfies PidRecord)}\n`)
  return file
}

/** Removes the pid file unless another start has written its own since. */
function removePidFile(file: string, javaPid: number): void {
  if (readPidFile(file)?.java === javaPid) rmSync(file, { force: true })
}

function readPidFile(file: string): PidRecord | undefined {
  try {
    const record = JSON.parse(readFileSync(file, 'utf8')) as Partial<PidRecord>
    return Number.isInteger(record.java) && Number.isInteger(record.owner) ? (record as PidRecord) : undefined
  } catch {
    return undefined
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * A Java left serving `dataDir` by a process that has died (it only holds memory and the data, but
 * with LOCAL_DYNAMODB_PORT it holds the port too) is killed. One whose starter is alive belongs to
 * another running server and is left alone. The process must still be DynamoDB Local on this folder:
 * a pid reused by something else since is never touched.
 */
async function stopStaleInstance(dataDir: string, log: Log): Promise<void> {
  const record = readPidFile(join(dataDir, PID_FILE))
  if (!record || record.java <= 0 || isRunning(record.owner) || !isRunning(record.java)) return
  const commandLine = await new Promise<string>((done) => {
    execFile('ps', ['-o', 'args=', '-p', String(record.java)], { timeout: 5_000 }, (error, stdout) => done(error ? '' : stdout))
  })
  if (!commandLine.includes('DynamoDBLocal.jar') || !`${commandLine.trimEnd()} `.includes(` -dbPath ${dataDir} `)) return
  log.warn({ pid: record.java }, `Stopping DynamoDB Local (pid ${record.java}) left running on ${dataDir} by a server that is gone`)
  try {
    process.kill(record.java, 'SIGKILL')
  } catch {
    return // gone meanwhile
  }
  // SIGKILL is not refused; the kernel takes a moment to release the process (and its port).
  for (let waited = 0; waited < 5_000 && isRunning(record.java); waited += 50) await new Promise((done) => setTimeout(done, 50))
}

/** Reads the Java process id the watchdog writes on fd 3. */
function javaPid(child: ChildProcess): Promise<number> {
  return new Promise((done, fail) => {
    let text = ''
    const stream = child.stdio[3] as Readable | null | undefined
    const onError = (error: Error) => fail(new Error(`cannot start DynamoDB Local: ${error.message}`))
    const onExit = () => fail(new Error('DynamoDB Local launcher exited before starting Java'))
    child.once('error', onError)
    child.once('exit', onExit)
    stream?.setEncoding('utf8')
    stream?.on('data', (chunk: string) => {
      text += chunk
      const line = /^(\d+)\n/.exec(text)
      if (!line) return
      child.off('error', onError)
      child.off('exit', onExit)
      done(Number(line[1]))
    })
  })
}

/** Polls with a real request until it answers, `failed` rejects, or time runs out. */
async function waitUntilAnswering(endpoint: string, failed: Promise<never>, timeoutMs: number): Promise<void> {
  const client = new DynamoDBClient({
    ...dynamoDbLocalClientConfig(endpoint),
    maxAttempts: 1,
    requestHandler: { connectionTimeout: 1_000, requestTimeout: 2_000, throwOnRequestTimeout: true }
  })
  const deadline = Date.now() + timeoutMs
  let lastError: unknown
  try {
    while (Date.now() < deadline) {
      const answered = client.send(new ListTablesCommand({ Limit: 1 })).then(
        () => true,
        (error: unknown) => {
          lastError = error
          return false
        }
      )
      if (await Promise.race([answered, failed])) return
      await Promise.race([new Promise((done) => setTimeout(done, 100)), failed])
    }
    throw new Error(`no answer within ${timeoutMs} ms (last error: ${(lastError as Error | undefined)?.message})`, { cause: lastError })
  } finally {
    client.destroy()
  }
}

/** Forwards Java's output to the log, keeps its last lines for error messages, spots fatal errors. */
class OutputTail {
  private readonly lines: string[] = []
  private readonly partial = { stdout: '', stderr: '' }
  portInUse = false

  constructor(
    private readonly log: Log,
    /** Java's main thread died (e.g. it could not bind its port), yet the JVM stays up. */
    private readonly onFatal: () => void
  ) {}

  add(stream: 'stdout' | 'stderr', text: string): void {
    const lines = (this.partial[stream] + text).split('\n')
    this.partial[stream] = lines.pop() ?? ''
    for (const line of lines.map((item) => item.trimEnd()).filter(Boolean)) {
      this.log.debug({}, `dynamodb-local ${stream}: ${line}`)
      if (stream === 'stderr' && /Failed to bind|BindException|Address already in use/.test(line)) this.portInUse = true
      if (stream === 'stderr' && line.startsWith('Exception in thread "main"')) this.onFatal()
      this.lines.push(`${stream}: ${line}`)
      if (this.lines.length > 15) this.lines.shift()
    }
  }

  describe(): string {
    return this.lines.length ? `\nLast output:\n  ${this.lines.join('\n  ')}` : ''
  }
}
