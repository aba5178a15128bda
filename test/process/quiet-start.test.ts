// The start output stays clean: the AWS SDK's NodeVersionSupportWarning (8 lines on Node < 22) is
// silenced by src/quiet-node-warnings.ts, imported first by every entry, and no other warning is.
import t, { type Test } from 'tap'
import { spawn, spawnSync } from 'node:child_process'
import { once } from 'node:events'
import { join } from 'node:path'
import { projectRoot } from '../helpers/build'

const NODE_MAJOR = Number(process.versions.node.split('.')[0])
const WARNING = /NodeVersionSupportWarning/

/** Runs `code` (ESM, from the project root) in a fresh Node with tsx; returns what it printed. */
function runSnippet(t: Test, code: string, env: Record<string, string> = {}): string {
  const environment: NodeJS.ProcessEnv = { ...process.env, ...env }
  if (!('AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED' in env)) delete environment.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED
  const result = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
    cwd: projectRoot,
    env: environment,
    encoding: 'utf8',
    timeout: 60_000
  })
  t.equal(result.status, 0, 'the snippet exits 0', { stderr: result.stderr })
  return `${result.stdout}${result.stderr}`
}

const CREATE_CLIENT = "const { DynamoDBClient } = await import('@aws-sdk/client-dynamodb'); new DynamoDBClient({ region: 'us-east-1' })"

t.test('the filter silences the SDK warning and nothing else', async (t) => {
  const quiet = runSnippet(t, `await import('./src/quiet-node-warnings.ts'); process.emitWarning('another warning'); ${CREATE_CLIENT}`)
  t.notMatch(quiet, WARNING, 'no NodeVersionSupportWarning')
  t.match(quiet, /Warning: another warning/, 'other warnings are still printed')

  // Without the module (or with the switch explicitly off) the SDK does print it on Node < 22, so the
  // checks above and below can fail.
  const loud = runSnippet(t, CREATE_CLIENT)
  const overridden = runSnippet(t, `await import('./src/quiet-node-warnings.ts'); ${CREATE_CLIENT}`, { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'false' })
  if (NODE_MAJOR < 22) {
    t.match(loud, WARNING, 'the SDK warns without the module')
    t.match(overridden, WARNING, 'an explicit value in the environment is respected')
  } else {
    t.notMatch(loud, WARNING, 'Node 22+: the SDK has nothing to warn about')
  }
})

t.test('starting the server prints no NodeVersionSupportWarning', async (t) => {
  const environment: NodeJS.ProcessEnv = { ...process.env, PORT: '0', LOG_LEVEL: 'warn' }
  delete environment.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED
  const child = spawn(process.execPath, ['--import', 'tsx', join(projectRoot, 'src', 'server.ts')], { cwd: projectRoot, env: environment, stdio: 'pipe' })
  t.teardown(() => void child.kill('SIGKILL'))
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const deadline = Date.now() + 90_000
  while (!/listening on http/.test(output) && child.exitCode === null && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  t.match(output, /listening on http/, 'the server started')
  // A request makes every lazily created client exist before the output is checked.
  const url = output.match(/listening on (http:\/\/\S+)/)?.[1]
  if (url) t.equal((await fetch(`${url}/products`)).status, 200)
  child.kill('SIGINT')
  await once(child, 'exit')
  t.notMatch(output, WARNING, 'no NodeVersionSupportWarning in the start output')
  t.notMatch(output, /\(node:\d+\) Warning/, 'no Node warning at all')
})
