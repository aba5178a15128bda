// Secrets from SSM Parameter Store (src/composition/secrets.ts, src/adapters/aws/ssm-secret-parameters.ts),
// against a loopback stand-in of SSM that records each request: the exact GetParameters request, one
// read per process, clear startup errors naming the variable and the parameter.
import t from 'tap'
import { SSMClient } from '@aws-sdk/client-ssm'
import { SecretParameterError, SsmSecretParameters } from '../../src/adapters/aws/ssm-secret-parameters'
import { withSecrets } from '../../src/composition/secrets'
import { ConfigError, configSchema, loadConfigOf, OutboxSlice, StripeSlice, TokensSlice } from '../../src/config'
import { startSsmStandIn } from '../helpers/ssm-stand-in'

const JWT = 'j'.repeat(40)
const schema = configSchema(TokensSlice, StripeSlice)

// The SDK's default credential chain reads these, as on Lambda; restored after.
const credentials = { AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local' }
const saved = Object.fromEntries(Object.keys(credentials).map((key) => [key, process.env[key]]))
Object.assign(process.env, credentials)
t.teardown(() => {
  for (const [key, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[key]
    else process.env[key] = value
  }
})

/** An aws-mode environment whose SSM calls go to `url`; DynamoDB's endpoint (AWS_ENDPOINT_URL) is a closed port. */
const awsEnv = (url: string, variables: Record<string, string>) => ({
  RUNTIME_MODE: 'aws',
  AWS_REGION: 'us-east-1',
  AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
  AWS_ENDPOINT_URL_SSM: url,
  ...variables
})

t.test('the adapter sends one GetParameters request with decryption and returns the values by name', async (t) => {
  const ssm = await startSsmStandIn(t, { '/a/jwt': JWT, '/a/key': 'sk_test_a' })
  const client = new SSMClient({ region: 'us-east-1', endpoint: ssm.url })
  t.teardown(() => client.destroy())
  const values = await new SsmSecretParameters(client).read(['/a/jwt', '/a/key', '/a/jwt'])
  t.same([...values], [['/a/jwt', JWT], ['/a/key', 'sk_test_a']])
  t.same(ssm.requests, [{ target: 'AmazonSSM.GetParameters', contentType: 'application/x-amz-json-1.1', body: { Names: ['/a/jwt', '/a/key'], WithDecryption: true } }])
})

t.test('the adapter refuses a missing parameter and one not stored as a SecureString', async (t) => {
  const ssm = await startSsmStandIn(t, { '/b/plain': { value: 'sk_test_b', type: 'String' }, '/b/jwt': JWT })
  const client = new SSMClient({ region: 'us-east-1', endpoint: ssm.url })
  t.teardown(() => client.destroy())
  const parameters = new SsmSecretParameters(client)
  await t.rejects(parameters.read(['/b/jwt', '/b/missing']), { name: 'SecretParameterError', message: /no parameter \/b\/missing \(create it with `aws ssm put-parameter --type SecureString`\)/ })
  await t.rejects(parameters.read(['/b/plain']), { name: 'SecretParameterError', message: /\/b\/plain is a String, not a SecureString/ })
  t.type(await parameters.read(['/b/plain']).catch((error: unknown) => error), SecretParameterError)
  await t.rejects(parameters.read(Array.from({ length: 11 }, (_, index) => `/b/${index}`)), /at most 10/)
  t.equal(ssm.requests.length, 3, 'a request over the limit is never sent')
})

t.test('withSecrets reads every secret of the slices in one call, once per process, and the config takes them', async (t) => {
  const ssm = await startSsmStandIn(t, { '/c/jwt': JWT, '/c/key': 'sk_test_c', '/c/webhook': 'whsec_c' })
  const env = awsEnv(ssm.url, { JWT_SECRET_PARAMETER: '/c/jwt', STRIPE_SECRET_KEY_PARAMETER: '/c/key', STRIPE_WEBHOOK_SECRET_PARAMETER: '/c/webhook' })
  const resolved = await withSecrets(schema, env)
  const config = loadConfigOf(schema, resolved)
  t.equal(config.JWT_SECRET, JWT)
  t.equal(config.STRIPE_SECRET_KEY, 'sk_test_c')
  t.equal(config.STRIPE_WEBHOOK_SECRET, 'whsec_c')
  t.same(ssm.requests.map((request) => request.body), [{ Names: ['/c/jwt', '/c/key', '/c/webhook'], WithDecryption: true }])
  // A second composition in the same process (e.g. after a failed init) reads nothing again.
  t.same(await withSecrets(schema, env), resolved)
  t.equal(ssm.requests.length, 1, 'one GetParameters call per process')
  t.notOk('JWT_SECRET' in env, 'the environment given is not changed')
})

t.test('an entry reads only the secrets its own slices use', async (t) => {
  const ssm = await startSsmStandIn(t, { '/d/jwt': JWT, '/d/key': 'sk_test_d' })
  const env = awsEnv(ssm.url, { JWT_SECRET_PARAMETER: '/d/jwt', STRIPE_SECRET_KEY_PARAMETER: '/d/key' })
  const tokensOnly = await withSecrets(configSchema(TokensSlice), env)
  t.equal(tokensOnly.JWT_SECRET, JWT)
  t.notOk('STRIPE_SECRET_KEY' in tokensOnly)
  t.same(ssm.requests.map((request) => request.body), [{ Names: ['/d/jwt'], WithDecryption: true }])
  t.same(await withSecrets(configSchema(OutboxSlice), env), env, 'no secret used: nothing read')
  t.equal(ssm.requests.length, 1)
})

t.test('a parameter that cannot be read stops startup with its variable and name; the next attempt reads again', async (t) => {
  const stored: Record<string, string> = { '/e/key': 'sk_test_e', '/e/webhook': 'whsec_e' }
  const ssm = await startSsmStandIn(t, stored)
  const env = awsEnv(ssm.url, { JWT_SECRET_PARAMETER: '/e/jwt', STRIPE_SECRET_KEY_PARAMETER: '/e/key', STRIPE_WEBHOOK_SECRET_PARAMETER: '/e/webhook' })
  await t.rejects(withSecrets(schema, env), {
    message: 'Cannot read the secrets from SSM Parameter Store (JWT_SECRET_PARAMETER=/e/jwt, STRIPE_SECRET_KEY_PARAMETER=/e/key, STRIPE_WEBHOOK_SECRET_PARAMETER=/e/webhook): SecretParameterError: SSM Parameter Store has no parameter /e/jwt (create it with `aws ssm put-parameter --type SecureString`)'
  })
  // Created after the failed cold start: the next invocation (which composes again) finds it.
  stored['/e/jwt'] = JWT
  t.equal((await withSecrets(schema, env)).JWT_SECRET, JWT)
  t.equal(ssm.requests.length, 2, 'a failed read is not cached')
})

t.test('an unreachable parameter store is a startup error naming what was asked', async (t) => {
  const env = awsEnv('http://127.0.0.1:9', { JWT_SECRET_PARAMETER: '/f/jwt' })
  await t.rejects(withSecrets(configSchema(TokensSlice), env), { message: /^Cannot read the secrets from SSM Parameter Store \(JWT_SECRET_PARAMETER=\/f\/jwt\): / })
})

t.test('config errors name the variable: both ways, neither way, a name SSM would refuse', async (t) => {
  const ssm = await startSsmStandIn(t, {})
  const tokens = configSchema(TokensSlice)
  await t.rejects(withSecrets(tokens, awsEnv(ssm.url, { JWT_SECRET_PARAMETER: '/g/jwt', JWT_SECRET: JWT })), {
    name: 'ConfigError',
    variable: 'JWT_SECRET_PARAMETER',
    message: /JWT_SECRET_PARAMETER and JWT_SECRET are both set/
  })
  await t.rejects(withSecrets(tokens, awsEnv(ssm.url, {})), {
    name: 'ConfigError',
    variable: 'JWT_SECRET_PARAMETER',
    message: 'Invalid configuration: JWT_SECRET_PARAMETER is required: the name of the SSM SecureString parameter holding JWT_SECRET (or JWT_SECRET itself where no parameter store is used)'
  })
  const badName = await withSecrets(tokens, awsEnv(ssm.url, { JWT_SECRET_PARAMETER: 'g/jwt' })).catch((error: unknown) => error)
  t.type(badName, ConfigError)
  t.match((badName as ConfigError).message, /JWT_SECRET_PARAMETER Expected string to match .* \(got "g\/jwt"\)/)
  t.equal(ssm.requests.length, 0, 'nothing is read when the configuration is wrong')
})

t.test('where no parameter store is used (a container given the values), the values are taken as they are', async (t) => {
  const ssm = await startSsmStandIn(t, {})
  const env = awsEnv(ssm.url, { JWT_SECRET: JWT, STRIPE_SECRET_KEY: 'sk_test_h', STRIPE_WEBHOOK_SECRET: 'whsec_h' })
  t.same(await withSecrets(schema, env), env)
  t.equal(ssm.requests.length, 0)
})
