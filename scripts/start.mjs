// `npm start`: makes sure DynamoDB Local is installed, rebuilds dist/ when any source is newer than
// it, then runs `node dist/server.js` with this process's arguments and terminal. Signals are
// forwarded and the server's exit code is ours, so Ctrl-C stops everything and leaves nothing behind.
import { spawn } from 'node:child_process'
import { stat } from 'node:fs/promises'
import path from 'node:path'
import * as esbuild from 'esbuild'
import { build, distDir, newestSourceMtime } from './build.mjs'

const FORWARDED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP']

const { ensureDynamoDbLocal } = await import('./dynamodb-local.mjs')
await ensureDynamoDbLocal()

const server = path.join(distDir, 'server.js')
const builtAt = (await stat(server).catch(() => undefined))?.mtimeMs ?? 0
if (builtAt < (await newestSourceMtime())) {
  console.log(builtAt ? 'Sources changed since the last build; rebuilding dist/ ...' : 'Building dist/ ...')
  await build()
  // esbuild keeps a service process for further builds; there will be none.
  await esbuild.stop()
}

// The server gets its own process group and exactly one signal, from us: a Ctrl-C reaches us from the
// terminal and again from npm, and a second signal would cut short the server's graceful shutdown,
// which is what stops DynamoDB Local.
const child = spawn(process.execPath, [server, ...process.argv.slice(2)], { stdio: 'inherit', detached: true })
let forwarded
const forward = (signal) => {
  if (forwarded) return
  forwarded = signal
  child.kill(signal)
}
for (const signal of FORWARDED_SIGNALS) process.on(signal, forward)

child.on('error', (error) => {
  console.error(`Could not start ${server}: ${error.message}`)
  process.exit(1)
})
child.on('exit', (code, signal) => {
  for (const name of FORWARDED_SIGNALS) process.off(name, forward)
  // Dying by the same signal gives our parent (npm, a shell) the same exit status as the server's.
  if (signal) process.kill(process.pid, signal)
  else process.exit(code ?? 1)
})
