// The newcomer's first hour stays runnable: the README's "Try it locally" commands, run by bash exactly
// as written (only the base URL points at this test's server), and `npm run demo`'s script, both
// against the app listening on a loopback port on the embedded runtime's real engines.
import t from 'tap'
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { build, projectRoot } from '../helpers/build'

const ADMIN = 'walkthrough-admin@example.com'
/** The admin the README's commands register (its `ADMIN_EMAILS=admin@example.com npm start`). */
const README_ADMIN = 'admin@example.com'

/** The first sh block of the README's "Try it locally" section. */
function walkthroughScript(): string {
  const readme = readFileSync(join(projectRoot, 'README.md'), 'utf8')
  const section = readme.slice(readme.indexOf('## Try it locally'))
  const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1]
  if (!block) throw new Error('no sh block in the README\'s "Try it locally" section')
  return block
}

function run(command: string, args: string[], env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: projectRoot, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], timeout: 90_000 })
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, output }))
  })
}

t.test('the README walkthrough and the demo run green against a running server', async (t) => {
  const { app } = await build(t, { env: { BCRYPT_COST: '4', ADMIN_EMAILS: `${README_ADMIN},${ADMIN}`, PAYMENT_WINDOW_SECONDS: '120' }, seedDemoCatalog: true })
  const base = await app.listen({ host: '127.0.0.1', port: 0 })

  const script = walkthroughScript()
  t.notMatch(script, /<[a-z][^>]*>/i, 'no <placeholder> left to fill in')
  t.match(script, /^B=http:\/\/127\.0\.0\.1:3000$/m, 'the base URL is the first line to change')
  const walked = await run('bash', ['-c', script.replace(/^B=.*$/m, `B=${base}`)], {})
  t.equal(walked.code, 0, 'the walkthrough exits 0', { output: walked.output })
  // What the commands print, in order: the password reset (the old password then refused), the visa
  // order confirmed, the 3-D Secure one confirmed, then refunded; the first one shipped, and its email.
  t.match(
    walked.output,
    /reset: 204\nold password: 401\n[\s\S]*PaymentDeclined[\s\S]*"status":"succeeded"[\s\S]*confirmed[\s\S]*requires_action[\s\S]*"outcome":"succeeded"[\s\S]*confirmed\ncancelled\nrefunded\nprocessing\nshipped\ntrue\n$/
  )

  const demo = await run(process.execPath, ['--import', 'tsx', join(projectRoot, 'scripts', 'demo.ts')], { DEMO_BASE_URL: base, ADMIN_EMAILS: ADMIN })
  t.equal(demo.code, 0, 'the demo exits 0', { output: demo.output })
  t.match(demo.output, /Demo finished: every step answered as expected\./)
  t.match(demo.output, /"status":"requires_action"/)
  t.match(demo.output, /POST \/payments \(pm_card_chargeDeclined\) → 402/)
  t.match(demo.output, /"status":"refunded"/)
  t.match(demo.output, /"status":"shipped"/, 'the admin part ran')
  t.match(demo.output, /"trackingNumber":"/, 'the order was shipped with its tracking')
  t.match(demo.output, /old password refused \(401\), new password accepted/, 'the password reset ran')
})

t.test('the demo stops at the first unexpected answer, naming the step', async (t) => {
  // Nothing listens on a port just released.
  const { createServer } = await import('node:net')
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise<void>((resolve) => server.close(() => resolve()))
  const demo = await run(process.execPath, ['--import', 'tsx', join(projectRoot, 'scripts', 'demo.ts')], { DEMO_BASE_URL: `http://127.0.0.1:${port}` })
  t.equal(demo.code, 1)
  t.match(demo.output, /FAILED at step 1 "The server is up": GET \/health failed/)
  t.match(demo.output, /Is `npm start` running\?/)
})
