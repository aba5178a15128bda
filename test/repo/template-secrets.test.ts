// Secrets on AWS (issue 11): template.yaml takes the NAMES of SSM SecureString parameters, never a
// secret's value; no function's environment (Globals included) holds a secret; each function is given
// the parameter names of exactly the secrets its composition root's config slices use. The checks are
// one function run on the template and on copies broken on purpose, so each check is seen to fail.
import t from 'tap'
import { join } from 'node:path'
import type { TObject } from '@sinclair/typebox'
import { SECRET_PARAMETERS, secretsOf, type SecretName } from '../../src/composition/secrets'
import { projectRootFrom } from '../../src/infra/project-root'
import { loadTemplate, resourcesOfType, type CloudFormationTemplate } from '../../src/local/template/template'
import { bundleOf, CONFIG_SCHEMA_BY_BUNDLE, SECRET_VARIABLES } from '../helpers/entry-configs'

const template = loadTemplate(join(projectRootFrom(import.meta.url), 'template.yaml'))

/** The template parameter holding each secret's SSM parameter name (the helpers' contract). */
const TEMPLATE_PARAMETER: Record<SecretName, string> = {
  JWT_SECRET: 'JwtSecretParameter',
  STRIPE_SECRET_KEY: 'StripeSecretKeyParameter',
  STRIPE_WEBHOOK_SECRET: 'StripeWebhookSecretParameter'
}

type Variables = Record<string, unknown>
const variablesOf = (properties: Record<string, unknown> | undefined): Variables =>
  (properties?.Environment as { Variables?: Variables } | undefined)?.Variables ?? {}

function secretProblems(template: CloudFormationTemplate): string[] {
  const problems: string[] = []
  const parameters = template.Parameters ?? {}
  for (const [secret, name] of Object.entries(TEMPLATE_PARAMETER)) {
    const parameter = parameters[name] as { Type?: string; AllowedPattern?: string; Default?: unknown } | undefined
    if (!parameter) {
      problems.push(`parameter ${name} (the SSM parameter name of ${secret}) is missing`)
      continue
    }
    if (parameter.Type !== 'String' || parameter.AllowedPattern?.startsWith('^/') !== true) problems.push(`parameter ${name} must be a String whose AllowedPattern takes SSM names only (starting with /)`)
    if (parameter.Default !== undefined) problems.push(`parameter ${name} must have no Default: every stack names its own parameters`)
  }
  // A NoEcho parameter is a secret value given to CloudFormation: it would end in some environment.
  for (const [name, parameter] of Object.entries(parameters)) {
    if ((parameter as { NoEcho?: unknown }).NoEcho) problems.push(`parameter ${name} is NoEcho: secrets go to SSM, the template takes their names`)
  }
  const globals = variablesOf(template.Globals?.Function)
  for (const variable of Object.keys(globals)) {
    if (SECRET_VARIABLES.includes(variable)) problems.push(`Globals: ${variable} is a secret in the environment`)
    if ((Object.values(SECRET_PARAMETERS) as string[]).includes(variable)) problems.push(`Globals: ${variable} gives every function a secret: name it on the functions that use it`)
  }
  for (const [id, fn] of resourcesOfType(template, 'AWS::Serverless::Function')) {
    const bundle = bundleOf(fn)
    const schema = CONFIG_SCHEMA_BY_BUNDLE[bundle]
    if (!schema) {
      problems.push(`${id}: no config schema known for ${bundle}`)
      continue
    }
    const env = { ...globals, ...variablesOf(fn.Properties) }
    for (const variable of Object.keys(env)) {
      if (SECRET_VARIABLES.includes(variable)) problems.push(`${id}: ${variable} is a secret in the environment`)
    }
    const uses = secretsOf(schema)
    // A deploy with a new SecretsVersion must replace the environments of exactly the functions that read secrets.
    const version = (env.SECRETS_VERSION as { Ref?: unknown } | undefined)?.Ref
    if (uses.length > 0 && version !== 'SecretsVersion') problems.push(`${id}: SECRETS_VERSION must be !Ref SecretsVersion (it reads secrets)`)
    if (uses.length === 0 && env.SECRETS_VERSION !== undefined) problems.push(`${id}: SECRETS_VERSION given, but it reads no secret`)
    for (const secret of Object.keys(SECRET_PARAMETERS) as SecretName[]) {
      const variable = SECRET_PARAMETERS[secret]
      const given = env[variable]
      if (uses.includes(secret)) {
        if (given === undefined) problems.push(`${id}: ${variable} missing (its root reads ${secret})`)
        else if ((given as { Ref?: unknown } | null)?.Ref !== TEMPLATE_PARAMETER[secret]) problems.push(`${id}: ${variable} must be !Ref ${TEMPLATE_PARAMETER[secret]}`)
      } else if (given !== undefined) {
        problems.push(`${id}: ${variable} given, but its root never reads ${secret}`)
      }
    }
  }
  return problems
}

/** A deep copy of the template changed by `change`. */
function broken(change: (copy: CloudFormationTemplate) => void): CloudFormationTemplate {
  const copy = structuredClone(template)
  change(copy)
  return copy
}

const fn = (copy: CloudFormationTemplate, id: string): Variables => {
  const properties = (copy.Resources[id] as { Properties: Record<string, unknown> }).Properties
  properties.Environment ??= { Variables: {} }
  return (properties.Environment as { Variables: Variables }).Variables
}

t.test('the template passes every secret check', async (t) => {
  t.same(secretProblems(template), [])
})

t.test('who reads which secret: the API and the saga side read Stripe, the API and the notification worker sign tokens', async (t) => {
  const of = (bundle: string) => secretsOf(CONFIG_SCHEMA_BY_BUNDLE[bundle] as TObject)
  t.same(of('lambda'), ['JWT_SECRET', 'STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET'])
  t.same(of('workers/notification'), ['JWT_SECRET'])
  t.same(of('workers/order-saga'), ['STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET'])
  t.same(of('workers/recovery-sweeper'), ['STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET'])
  t.same(of('workers/order-events'), [])
  t.same(of('workers/outbox-relay'), [])
})

t.test('each check fails on a template broken on purpose', async (t) => {
  const cases: Array<[string, (copy: CloudFormationTemplate) => void, RegExp]> = [
    ['a secret value on a function', (copy) => void (fn(copy, 'ApiFunction').JWT_SECRET = 'x'.repeat(32)), /ApiFunction: JWT_SECRET is a secret in the environment/],
    ['a secret value in Globals', (copy) => void (variablesOf(copy.Globals?.Function).STRIPE_SECRET_KEY = 'sk_test_x'), /Globals: STRIPE_SECRET_KEY is a secret/],
    ['a parameter name in Globals', (copy) => void (variablesOf(copy.Globals?.Function).JWT_SECRET_PARAMETER = { Ref: 'JwtSecretParameter' }), /Globals: JWT_SECRET_PARAMETER gives every function a secret/],
    ['a secret a function does not use', (copy) => void (fn(copy, 'OutboxRelayFunction').STRIPE_SECRET_KEY_PARAMETER = { Ref: 'StripeSecretKeyParameter' }), /OutboxRelayFunction: STRIPE_SECRET_KEY_PARAMETER given, but its root never reads STRIPE_SECRET_KEY/],
    ['a secret a function uses, not given', (copy) => void delete fn(copy, 'NotificationFunction').JWT_SECRET_PARAMETER, /NotificationFunction: JWT_SECRET_PARAMETER missing/],
    ['the wrong parameter', (copy) => void (fn(copy, 'OrderSagaFunction').STRIPE_SECRET_KEY_PARAMETER = { Ref: 'StripeWebhookSecretParameter' }), /OrderSagaFunction: STRIPE_SECRET_KEY_PARAMETER must be !Ref StripeSecretKeyParameter/],
    ['a NoEcho value parameter', (copy) => void ((copy.Parameters ??= {}).JwtSecret = { Type: 'String', NoEcho: true }), /parameter JwtSecret is NoEcho/],
    ['a parameter that takes any string', (copy) => void delete (copy.Parameters?.StripeWebhookSecretParameter as { AllowedPattern?: string }).AllowedPattern, /parameter StripeWebhookSecretParameter must be a String whose AllowedPattern takes SSM names only/],
    ['a shared default name', (copy) => void ((copy.Parameters?.JwtSecretParameter as { Default?: string }).Default = '/shop/jwt'), /parameter JwtSecretParameter must have no Default/],
    ['a function that reads secrets without SECRETS_VERSION', (copy) => void delete fn(copy, 'RecoverySweeperFunction').SECRETS_VERSION, /RecoverySweeperFunction: SECRETS_VERSION must be !Ref SecretsVersion/],
    ['SECRETS_VERSION on a function without secrets', (copy) => void (fn(copy, 'OrderEventsFunction').SECRETS_VERSION = { Ref: 'SecretsVersion' }), /OrderEventsFunction: SECRETS_VERSION given, but it reads no secret/],
    ['a contract parameter missing', (copy) => void delete copy.Parameters?.StripeSecretKeyParameter, /parameter StripeSecretKeyParameter \(the SSM parameter name of STRIPE_SECRET_KEY\) is missing/]
  ]
  for (const [what, change, expected] of cases) {
    const problems = secretProblems(broken(change))
    t.ok(problems.some((problem) => expected.test(problem)), `${what}: ${problems.join('; ') || 'no problem found'}`)
  }
})
