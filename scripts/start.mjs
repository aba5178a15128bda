// `npm start`: makes sure DynamoDB Local is installed, rebuilds dist/ when any source is newer than
// it, then runs `node dist/server.js` with this process's arguments and terminal. Signals are
// forwarded and the server's exit code is ours, so Ctrl-C stops everything and leaves nothing behind.
// The server must not outlive us however we die, SIGKILL included: it is connected to us by an IPC
// channel, and it shuts down when that closes (src/http-server.ts, stopWithParent).
import { execFileSync, spawn } from 'node:child_process'
import { stat } from 'node:fs/promises'
import path from 'node:path'
import * as esbuild from 'esbuild'
import { build, distDir, newestSourceMtime } from './build.mjs'

const FORWARDED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP']
/** How often we look whether npm (our parent's parent) is still there; see watchLaunchers. */
const LAUNCHER_POLL_MS = 1_000

const { ensureDynamoDbLocal } = await import('./dynamodb-local.mjs')
await ensureDynamoDbLocal({ log: (line) => console.log(line) })

const server = path.join(distDir, 'server.js')
const builtAt = (await stat(server).catch(() => undefined))?.mtimeMs ?? 0
if (builtAt < (await newestSourceMtime())) {
  const started = Date.now()
  console.log(builtAt ? 'Sources changed since the last build; rebuilding dist/…' : 'Building dist/ (first start only)…')
  // The bundle size table is for `npm run build`; here one line says it is done.
  await build({ quiet: true })
  console.log(`  built in ${((Date.now() - started) / 1000).toFixed(1)} s`)
  // esbuild keeps a service process for further builds; there will be none.
  await esbuild.stop()
}

// The server gets its own process group and exactly one signal, from us: a Ctrl-C reaches us from the
// terminal and again from npm, and a second signal would cut short the server's graceful shutdown,
// which is what stops DynamoDB Local. The 'ipc' channel is the lifeline: it closes when we die.
const child = spawn(process.execPath, [server, ...process.argv.slice(2)], { stdio: ['inherit', 'inherit', 'inherit', 'ipc'], detached: true })
let forwarded
const forward = (signal) => {
  if (forwarded) return
  forwarded = signal
  child.kill(signal)
}
for (const signal of FORWARDED_SIGNALS) process.on(signal, forward)
const launchers = watchLaunchers(() => forward('SIGTERM'))

child.on('error', (error) => {
  console.error(`Could not start ${server}: ${error.message}`)
  process.exit(1)
})
child.on('exit', (code, signal) => {
  clearInterval(launchers)
  for (const name of FORWARDED_SIGNALS) process.off(name, forward)
  // Dying by the same signal gives our parent (npm, a shell) the same exit status as the server's.
  if (signal) process.kill(process.pid, signal)
  else process.exit(code ?? 1)
})

/**
 * `npm start` runs us through `sh -c`, and a SIGKILLed npm leaves that shell waiting for us: our own
 * parent lives on. So we watch our parent and, when our parent's parent is npm, that one too, and stop
 * the server when either is gone. (Only npm: a shell above us may end while npm carries on, as under
 * `nohup npm start &`.) Needs `ps` (not on Windows, where only the parent is watched).
 */
function watchLaunchers(onGone) {
  const watched = [process.ppid]
  if (process.env.npm_lifecycle_event && process.platform !== 'win32') {
    try {
      const ps = (field, pid) => execFileSync('ps', ['-o', `${field}=`, '-p', String(pid)], { encoding: 'utf8' }).trim()
      const grandparent = Number(ps('ppid', process.ppid))
      if (grandparent > 1 && /(^|[\s/])npm(-cli\.js)?(\s|$)/.test(ps('args', grandparent))) watched.push(grandparent)
    } catch {
      // no ps: only our parent is watched
    }
  }
  const parent = process.ppid
  const timer = setInterval(() => {
    // A dead parent's children are handed to init (or a subreaper): our ppid changes.
    if (process.ppid !== parent || watched.some((pid) => !isRunning(pid))) {
      clearInterval(timer)
      onGone()
    }
  }, LAUNCHER_POLL_MS)
  timer.unref()
  return timer
}

function isRunning(pid) {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return error.code === 'EPERM' // alive, just not ours to signal
  }
}
