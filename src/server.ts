// Entry of `node dist/server.js` (and of the container). With AWS config it serves the API against
// real AWS services on HOST:PORT. Without, it hands over to the embedded runtime (src/local/server.ts,
// its own bundle dist/local-server.js), loaded only then: the container image does not even ship it.
import './quiet-node-warnings' // first: before any AWS SDK client exists (see the module)
import { buildApp } from './app'
import { apiRuntimeOnce } from './composition/api'
import { runtimeMode, runtimeModeLine } from './config'
import { exitOnStartupError, serve } from './http-server'
import { projectRootFrom } from './infra/project-root'

/** Built from a variable so the bundler leaves it out: from source (tsx) the .ts file, from dist/ its bundle. */
function localServerModule(): string {
  return new URL(import.meta.url.endsWith('.ts') ? './local/server.ts' : './local-server.js', import.meta.url).href
}

async function main(): Promise<void> {
  const env = { ...process.env }
  console.log(runtimeModeLine(env))
  if (runtimeMode(env) === 'local') {
    const { runLocalServer } = (await import(localServerModule())) as typeof import('./local/server')
    await runLocalServer({ projectRoot: projectRootFrom(import.meta.url), env, persist: process.argv.includes('--persist') })
    return
  }
  const runtime = await apiRuntimeOnce(env)
  const app = await buildApp({ config: runtime.config, services: runtime.services, authenticate: runtime.authenticate, logger: runtime.logger })
  await serve(app, runtime.config, runtime.logger)
}

main().catch(exitOnStartupError)
