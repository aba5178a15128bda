// `npm start` (scripts/start.mjs → node dist/server.js → DynamoDB Local) leaves nothing behind however
// its launcher dies: SIGKILL of start.mjs itself, or of the npm above the `sh -c` that runs it. The
// server shuts down, its Java with it, and the port is free. It runs in a copy of the project whose
// dist/ is its own (start.mjs builds it there, a few seconds), so the project's dist/ is never disturbed.
import t, { type Test } from 'tap'
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { projectRoot } from '../helpers/build'
import { waitUntil } from '../helpers/server-process'

/**
 * The project with its scripts copied (they find the root from their own place) and everything else
 * linked, except dist/ (built here) and the data folders.
 */
function projectCopy(): string {
  const root = mkdtempSync(join(tmpdir(), 'start-script-'))
  for (const entry of readdirSync(projectRoot)) {
    if (['dist', 'scripts', '.git', '.data', '.tap'].includes(entry)) continue
    symlinkSync(join(projectRoot, entry), join(root, entry))
  }
  mkdirSync(join(root, 'scripts'))
  // Every script, .ts ones too: the build runs scripts/compile-schemas.ts, which imports its neighbours.
  for (const file of readdirSync(join(projectRoot, 'scripts'), { withFileTypes: true })) {
    if (file.isFile()) copyFileSync(join(projectRoot, 'scripts', file.name), join(root, 'scripts', file.name))
  }
  return root
}

const copy = projectCopy()
// fs.rm removes the links, never what they point to.
t.teardown(() => rmSync(copy, { recursive: true, force: true }))
const START = join(copy, 'scripts', 'start.mjs')

/** The direct children of `pid` (pgrep exits 1 when there are none). */
function childrenOf(pid: number): number[] {
  try {
    return execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number)
  } catch {
    return []
  }
}

function descendantsOf(pid: number): number[] {
  const found: number[] = []
  let level = [pid]
  for (let depth = 0; depth < 6 && level.length > 0; depth++) {
    level = level.flatMap(childrenOf)
    found.push(...level)
  }
  return found
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch {
    return false
  }
  // A zombie (exited, not yet reaped by its new parent) is gone for our purposes.
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))
  } catch {
    return false
  }
}

function javaOnPort(port: string): number[] {
  try {
    return execFileSync('pgrep', ['-f', `^[^ ]*java .*DynamoDBLocal.jar.*-port ${port}( |$)`], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number)
  } catch {
    return []
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect({ host: '127.0.0.1', port })
    socket.once('connect', () => {
      socket.destroy()
      done(true)
    })
    socket.once('error', () => done(false))
  })
}

/**
 * Runs `argv` (a launcher chain ending in start.mjs), waits for the banner, SIGKILLs `victim(launcher)`,
 * and checks that every process below it, the Java among them, is gone and the port closed.
 */
async function killLauncherAndCheck(t: Test, argv: string[], env: Record<string, string>, victim: (launcher: ChildProcess) => number) {
  const launcher = spawn(argv[0] as string, argv.slice(1), {
    cwd: copy,
    env: { ...process.env, PORT: '0', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true
  })
  let output = ''
  launcher.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()))
  launcher.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()))
  let tree: number[] = []
  t.teardown(() => {
    for (const pid of [launcher.pid as number, ...tree]) {
      try {
        process.kill(pid, 'SIGKILL')
      } catch {
        // gone, as it should be
      }
    }
  })

  const banner = await waitUntil(() => /DynamoDB Local at http:\/\/127\.0\.0\.1:\d+/.test(output) || launcher.exitCode !== null, 120_000, 100)
  t.ok(banner && launcher.exitCode === null, 'the server is up', { output })
  const port = Number(/listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(output)?.[1])
  const dynamodbPort = /DynamoDB Local at http:\/\/127\.0\.0\.1:(\d+)/.exec(output)?.[1] as string
  tree = descendantsOf(launcher.pid as number)
  const java = javaOnPort(dynamodbPort)
  t.equal(java.length, 1, 'its DynamoDB Local runs')
  t.ok(await accepts(port), 'the port is served')

  process.kill(victim(launcher), 'SIGKILL')
  const gone = await waitUntil(() => [...tree, ...java].every((pid) => !isRunning(pid)), 30_000)
  t.ok(gone, 'the server and its java are gone', { left: [...tree, ...java].filter(isRunning), output })
  t.notOk(await accepts(port), 'the port is free')
}

t.test('SIGKILL of start.mjs takes the server and its DynamoDB Local with it', async (t) => {
  await killLauncherAndCheck(t, [process.execPath, START], {}, (launcher) => launcher.pid as number)
})

t.test('SIGKILL of npm above `sh -c node scripts/start.mjs` does too', async (t) => {
  // A stand-in for npm: a node process titled as npm titles itself, that runs the script through
  // `sh -c` as npm does, with npm's variable set; the shell survives its death.
  const command = JSON.stringify(`"${process.execPath}" "${START}"`)
  const npm = `process.title = 'npm start'; require('node:child_process').spawn('sh', ['-c', ${command}], { stdio: 'inherit' })`
  await killLauncherAndCheck(t, [process.execPath, '-e', npm], { npm_lifecycle_event: 'start' }, (launcher) => launcher.pid as number)
})
