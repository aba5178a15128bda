// The API as users run it on a laptop, for benchmarks: `node dist/server.js` on the embedded runtime
// (DynamoDB Local, local bus, Step Functions runner, Stripe simulator, mailbox) in a child process.
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { distDir } from '../../scripts/build.mjs'
import { ensureDynamoDbLocal } from '../../scripts/dynamodb-local.mjs'
import { startServer, type RunningServer } from './processes'

/** Starts dist/server.js in local mode with LOG_LEVEL=warn; `env` adds or overrides settings. */
export async function startEmbeddedServer(env: NodeJS.ProcessEnv = {}): Promise<RunningServer> {
  const bundle = join(distDir, 'server.js')
  if (!existsSync(bundle)) throw new Error('dist/server.js is missing: run `node scripts/build.mjs` first')
  await ensureDynamoDbLocal()
  // RUNTIME_MODE is explicit so that AWS settings in the caller's shell cannot switch modes.
  return startServer([bundle], { LOG_LEVEL: 'warn', ...env, RUNTIME_MODE: 'local' })
}
