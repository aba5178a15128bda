// The Lambda bundles carry what their entry uses and nothing else: built into a temporary folder by
// scripts/build.mjs (so a dist/ in use is never disturbed), then checked through esbuild's metafile
// (which inputs each bundle holds) and the files' sizes on disk (not gzipped, source maps not counted).
// The Lambda bundles are split: a bundle is its entry file and the chunks (dist/chunks/) it imports
// statically, what a cold start loads, plus those it loads on first use (scripts/build.mjs's
// lambdaFootprints); "holds" below means any of them, the size budgets count the first two.
import t from 'tap'
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, relative, resolve } from 'node:path'
import { build, lambdaFootprints, type LambdaFootprint } from '../../scripts/build.mjs'
import type { APIGatewayProxyEvent } from 'aws-lambda'
import { pathToFileURL } from 'node:url'
import { functionEnvironment, resourceNames } from '../../src/local/template/names'
import { loadTemplate } from '../../src/local/template/template'
import type { ApiGatewayHandler } from '../../src/lambda'
import { apiGatewayRestEvent, lambdaContext } from '../helpers/aws-events'
import { projectRoot } from '../helpers/build'
import { startSsmStandIn } from '../helpers/ssm-stand-in'

interface Metafile {
  outputs: Record<string, { bytes: number; inputs: Record<string, { bytesInOutput: number }> }>
}

// Issue 10's budgets, decimal units as in BENCHMARKS.md: dist/lambda.mjs ≤ 1.3 MB, each worker ≤ 700 kB.
const API_BUDGET = 1_300_000
const WORKER_BUDGET = 700_000
// Every Lambda bundle is within its budget since code splitting, the AWS SDK's ES module builds and
// `enum` literal unions (issue 10; before: API 2,330,049 bytes, notification 988,818, order-saga
// 1,309,754, recovery-sweeper 1,276,606, as single files). Measured then (entry + chunks it imports):
// API 1,215,703 bytes, workers 330,093 to 549,130.
/** The workers whose entries never call Stripe (no payment, no refund, no reconciliation). */
const WITHOUT_STRIPE = ['workers/notification.mjs', 'workers/order-events.mjs', 'workers/outbox-relay.mjs']

const outdir = await mkdtemp(join(tmpdir(), 'bundles-test-'))
t.teardown(() => rm(outdir, { recursive: true, force: true }))
await build({ quiet: true, outdir })
const meta = JSON.parse(await readFile(join(outdir, 'meta.json'), 'utf8')) as Metafile
/** Bundle (path of its entry file under the output folder) → what it loads, at cold start and later. */
const footprints = new Map<string, LambdaFootprint>((await lambdaFootprints({ dir: outdir, metafile: meta })).map((footprint) => [footprint.file, footprint]))
/** Bundle → the inputs it holds (paths relative to the project), in its entry file or any chunk it can load. */
const lambdaBundles = new Map([...footprints].map(([file, { inputs }]) => [file, inputs]))
/** Output file (path under the output folder) → the inputs in that file alone. */
const fileInputs = new Map(Object.entries(meta.outputs).map(([output, { inputs }]) => [relative(outdir, resolve(output)).split('\\').join('/'), Object.keys(inputs)]))

t.test('the API bundle and one bundle per worker are built', async (t) => {
  t.ok(lambdaBundles.has('lambda.mjs'))
  t.same(
    [...lambdaBundles.keys()].filter((file) => file.startsWith('workers/')).sort(),
    ['workers/notification.mjs', 'workers/order-events.mjs', 'workers/order-saga.mjs', 'workers/outbox-relay.mjs', 'workers/recovery-sweeper.mjs']
  )
})

t.test('no Lambda bundle contains the local runtime (src/local/) or the local pretty-printer', async (t) => {
  for (const [file, inputs] of lambdaBundles) {
    t.same(inputs.filter((input) => input.startsWith('src/local/') || input.includes('node_modules/pino-pretty/')), [], file)
  }
})

t.test('each worker carries only the clients its entry uses', async (t) => {
  const holds = (file: string, path: string) => (lambdaBundles.get(file) ?? []).some((input) => input.includes(path))
  for (const file of WITHOUT_STRIPE) t.notOk(holds(file, 'node_modules/stripe/'), `${file}: no Stripe SDK`)
  // The check itself can fail: the bundles that do take payments have the SDK.
  for (const file of ['lambda.mjs', 'workers/order-saga.mjs', 'workers/recovery-sweeper.mjs']) t.ok(holds(file, 'node_modules/stripe/'), `${file}: the Stripe SDK`)
  t.notOk(holds('lambda.mjs', 'node_modules/@aws-sdk/client-sesv2/'), 'the API sends no email: no SES client')
  for (const file of ['workers/order-events.mjs', 'workers/outbox-relay.mjs']) {
    t.notOk(holds(file, 'node_modules/fast-jwt/'), `${file}: signs no token`)
    t.notOk(holds(file, 'node_modules/@aws-sdk/client-sesv2/'), `${file}: sends no email`)
  }
  t.notOk(holds('workers/order-events.mjs', 'node_modules/@aws-sdk/client-sns/'), 'order-events publishes nothing')
  t.notOk(holds('workers/outbox-relay.mjs', 'node_modules/@aws-sdk/client-sfn/'), 'outbox-relay starts no workflow')
  // Secrets (SSM): only the entries that read some carry the client, and of it only GetParameters.
  for (const file of ['workers/order-events.mjs', 'workers/outbox-relay.mjs']) t.notOk(holds(file, 'node_modules/@aws-sdk/client-ssm/'), `${file}: reads no secret`)
  for (const file of ['lambda.mjs', 'workers/notification.mjs', 'workers/order-saga.mjs', 'workers/recovery-sweeper.mjs']) {
    t.ok(holds(file, 'node_modules/@aws-sdk/client-ssm/dist-es/commands/GetParametersCommand.js'), `${file}: SSM GetParameters`)
    t.notOk(holds(file, 'node_modules/@aws-sdk/client-ssm/dist-es/commands/PutParameterCommand.js') || holds(file, 'node_modules/@aws-sdk/client-ssm/dist-cjs/'), `${file}: no other SSM operation`)
  }
})

t.test('bundle sizes: dist/lambda.mjs ≤ 1.3 MB, every worker ≤ 700 kB (bytes on disk, entry + chunks it imports)', async (t) => {
  t.equal(footprints.size, 6, 'the API and the five workers')
  for (const { file, entryBytes, startBytes, totalBytes } of footprints.values()) {
    const budget = file === 'lambda.mjs' ? API_BUDGET : WORKER_BUDGET
    t.ok(startBytes <= budget, `${file}: ${startBytes} bytes loaded by its import ≤ ${budget} (entry file ${entryBytes}; ${totalBytes} with every chunk it can load)`)
    // The accounting itself: the entry file is on disk as counted, and is part of what is counted.
    t.equal(entryBytes, (await stat(join(outdir, file))).size, `${file}: the entry file's size`)
    t.ok(entryBytes <= startBytes && startBytes <= totalBytes, `${file}: entry ≤ entry + imported chunks ≤ everything it can load`)
  }
})

t.test('code one route or one task needs is loaded on first use, not at cold start', async (t) => {
  const atStart = (file: string, path: string) => (footprints.get(file)?.startInputs ?? []).some((input) => input.includes(path))
  for (const file of ['lambda.mjs', 'workers/order-saga.mjs', 'workers/recovery-sweeper.mjs']) {
    t.notOk(atStart(file, 'node_modules/stripe/'), `${file}: the Stripe SDK only when a payment, refund or webhook needs it`)
  }
  t.notOk(atStart('lambda.mjs', 'node_modules/@fastify/swagger-ui/'), 'the docs UI only on the first request under /docs')
  t.notOk(atStart('lambda.mjs', 'node_modules/yaml/'), 'yaml only for GET /docs/yaml')
  t.ok(lambdaBundles.get('lambda.mjs')?.some((input) => input.includes('node_modules/yaml/')), 'yaml counted in what the API can load (its side bundle)')
  t.notOk(atStart('workers/notification.mjs', 'node_modules/@aws-sdk/client-sesv2/'), 'notification: the SES client only when it sends a mail')
  // The check can fail: the API imports the document client statically.
  t.ok(atStart('lambda.mjs', 'node_modules/@aws-sdk/lib-dynamodb/'), 'the check can fail')
  // The bcrypt worker pool finds its worker file beside the file holding its code: that must be the
  // entry file (dist/lambda.mjs beside dist/bcrypt-worker.mjs), not a chunk in dist/chunks/.
  t.ok(fileInputs.get('lambda.mjs')?.includes('src/adapters/crypto/bcrypt-worker-pool.ts'), 'the bcrypt worker pool is in the entry file')
})

t.test('the API bundle compiles no schema: neither compiler is in it, its build-time set is', async (t) => {
  const inputs = lambdaBundles.get('lambda.mjs') ?? []
  for (const compiler of ['node_modules/ajv/dist/core.js', 'node_modules/ajv/dist/compile/', 'node_modules/ajv-formats/dist/index.js', 'node_modules/fast-json-stringify/index.js', 'node_modules/@fastify/ajv-compiler/', 'node_modules/@fastify/fast-json-stringify-compiler/']) {
    t.notOk(inputs.some((input) => input.includes(compiler)), `no ${compiler}`)
  }
  t.ok(inputs.includes('build-time-schemas:precompiled-schemas.cjs'), 'the generated validators and serializers (scripts/compile-schemas.ts)')
  // The check can fail: the server bundle, which compiles its schemas at startup, has both compilers.
  const serverInputs = Object.keys(Object.entries(meta.outputs).find(([output]) => output.endsWith('/server.js'))?.[1].inputs ?? {})
  t.ok(serverInputs.some((input) => input.includes('node_modules/ajv/dist/compile/')) && serverInputs.some((input) => input.includes('node_modules/fast-json-stringify/index.js')))
})

t.test('the built API bundle builds its app from the build-time set alone and validates as the source does', async (t) => {
  // On its first invocation the bundle builds the app, which takes every route's validators and
  // serializers from the generated set; a route missing from it would throw there (the bundle has no
  // compiler to fall back on), so a 200 proves the set covers every route of the app as deployed.
  const template = loadTemplate(join(projectRoot, 'template.yaml'))
  const secretNames = { JwtSecretParameter: '/bundles-test/jwt-secret', StripeSecretKeyParameter: '/bundles-test/stripe-secret-key', StripeWebhookSecretParameter: '/bundles-test/stripe-webhook-secret' }
  const ssm = await startSsmStandIn(t, {
    [secretNames.JwtSecretParameter]: 'x'.repeat(32),
    [secretNames.StripeSecretKeyParameter]: 'sk_test_bundles',
    [secretNames.StripeWebhookSecretParameter]: 'whsec_bundles'
  })
  const env: Record<string, string> = {
    ...functionEnvironment(template, resourceNames(template, { stackName: 'bundles-test', parameters: secretNames }), 'ApiFunction'),
    RUNTIME_MODE: 'aws',
    AWS_REGION: 'us-east-1',
    // Nothing here reaches DynamoDB: health and a rejected body.
    AWS_ENDPOINT_URL: ssm.url,
    AWS_ENDPOINT_URL_SSM: ssm.url,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    LOG_LEVEL: 'silent'
  }
  const previous = Object.fromEntries(Object.keys(env).map((key) => [key, process.env[key]]))
  Object.assign(process.env, env)
  t.teardown(() => {
    for (const [key, value] of Object.entries(previous)) {
      if (value === undefined) delete process.env[key]
      else process.env[key] = value
    }
  })
  const { handler } = (await import(pathToFileURL(join(outdir, 'lambda.mjs')).href)) as { handler: ApiGatewayHandler }
  const event = (method: string, path: string, body: string) => {
    const loaded = apiGatewayRestEvent<APIGatewayProxyEvent>(method, path, body)
    loaded.headers = { ...loaded.headers, 'Content-Type': 'application/json' }
    loaded.multiValueHeaders = { ...loaded.multiValueHeaders, 'Content-Type': ['application/json'] }
    return loaded
  }
  const health = await handler(event('GET', '/health', ''), lambdaContext())
  t.equal(health.statusCode, 200)
  t.same(JSON.parse(health.body), { status: 'ok' }, 'serialized by the build-time serializer')
  // SAM's REST event carries a base64 body.
  const body = Buffer.from('{"email":"a@example.com","password":"secret-pass","zz":1}').toString('base64')
  const login = await handler(event('POST', '/users/login', body), lambdaContext())
  t.equal(login.statusCode, 400)
  t.match(JSON.parse(login.body), { message: 'body must not have the unknown property "zz"' }, 'strict body, with the clearer message')
  // Code in chunks loads from the built folder: the docs UI (with its assets), yaml's side bundle, Stripe.
  const ui = await handler(event('GET', '/docs', ''), lambdaContext())
  t.equal(ui.statusCode, 200)
  t.match(ui.body, /swagger-ui/i, 'the docs UI page')
  const css = await handler(event('GET', '/docs/static/swagger-ui.css', ''), lambdaContext())
  t.equal(css.statusCode, 200, 'an asset of the docs UI, read from dist/assets/')
  const document = await handler(event('GET', '/docs/json', ''), lambdaContext())
  t.match(JSON.parse(document.body), { openapi: '3.0.3' })
  const yamlDocument = await handler(event('GET', '/docs/yaml', ''), lambdaContext())
  t.match(yamlDocument.body, /^openapi: 3\.0\.3$/m, 'the document as YAML')
  const webhook = event('POST', '/webhooks/stripe', Buffer.from('{"id":"evt_1"}').toString('base64'))
  webhook.headers = { ...webhook.headers, 'Stripe-Signature': 't=1,v1=00' }
  webhook.multiValueHeaders = { ...webhook.multiValueHeaders, 'Stripe-Signature': ['t=1,v1=00'] }
  const refused = await handler(webhook, lambdaContext())
  t.equal(refused.statusCode, 400, 'a badly signed webhook is refused by the Stripe SDK, loaded for it')
  t.match(JSON.parse(refused.body), { field: 'stripe-signature' })
})
