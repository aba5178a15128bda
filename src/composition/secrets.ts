// The secrets of an entry point on AWS (JWT_SECRET, the Stripe keys) from SSM Parameter Store: the
// function's environment names the parameters (JWT_SECRET_PARAMETER, ...; template.yaml), never holds
// the values. Each root calls withSecrets before it parses its config: the secrets its slices use are
// read in one GetParameters call, once per process (a Lambda cold start, a container start), and put
// where the config expects them. Where no parameter store is used (a container given the values
// directly), the variables themselves still work; a name and a value for the same secret is an error.
import type { TObject } from '@sinclair/typebox'
import { ConfigError, configSchema, loadConfigOf, problemOf, StripeSlice, type Config } from '../config'
import type { SecretParameters } from '../ports/secret-parameters'
import { awsClientOptions } from './builders'

type Env = Record<string, string | undefined>

/** Each secret, and the variable holding the name of the SSM parameter it is kept in. */
export const SECRET_PARAMETERS = {
  JWT_SECRET: 'JWT_SECRET_PARAMETER',
  STRIPE_SECRET_KEY: 'STRIPE_SECRET_KEY_PARAMETER',
  STRIPE_WEBHOOK_SECRET: 'STRIPE_WEBHOOK_SECRET_PARAMETER'
} as const satisfies Partial<Record<keyof Config, keyof Config>>

export type SecretName = keyof typeof SECRET_PARAMETERS

/** The secrets `schema` (an entry's config) reads from a parameter store: those whose parameter variable it has. */
export function secretsOf(schema: TObject): SecretName[] {
  return (Object.keys(SECRET_PARAMETERS) as SecretName[]).filter((secret) => secret in schema.properties && SECRET_PARAMETERS[secret] in schema.properties)
}

// One read per set of names per process. A failed read is forgotten, so the next invocation (Lambda
// composes again after a failed init, see src/workers/lambda-entry.ts) tries again: a parameter
// created after the first attempt is then found without a redeploy.
const reads = new Map<string, Promise<Map<string, string>>>()

function readOnce(names: string[], store: () => Promise<SecretParameters>): Promise<Map<string, string>> {
  const key = [...names].sort().join('\n')
  let read = reads.get(key)
  if (!read) {
    read = store().then((parameters) => parameters.read(names))
    reads.set(key, read)
    read.catch(() => reads.delete(key))
  }
  return read
}

/**
 * `env` with the secrets `schema` uses filled in from SSM Parameter Store (by the names in their
 * *_PARAMETER variables), for loadConfigOf. ConfigError names the variable when a name is invalid,
 * when a secret is given both ways, or when it is given neither way; a parameter that cannot be read
 * rejects with the names involved. `store` replaces SSM (tests).
 */
export async function withSecrets(schema: TObject, env: Env, store?: () => Promise<SecretParameters>): Promise<Env> {
  const wanted: Array<{ secret: SecretName; variable: string; name: string }> = []
  for (const secret of secretsOf(schema)) {
    const variable = SECRET_PARAMETERS[secret]
    const name = env[variable]
    const value = env[secret]
    if (name && value) throw new ConfigError(variable, `and ${secret} are both set: set only the parameter's name (on AWS), or only the value (where no parameter store is used)`)
    if (!name) {
      if (!value) throw new ConfigError(variable, `is required: the name of the SSM SecureString parameter holding ${secret} (or ${secret} itself where no parameter store is used)`)
      continue
    }
    const problem = problemOf(schema.properties[variable] as TObject, name)
    if (problem !== undefined) throw new ConfigError(variable, `${problem} (got ${JSON.stringify(name)})`)
    wanted.push({ secret, variable, name })
  }
  if (wanted.length === 0) return env
  const names = wanted.map((entry) => entry.name)
  let values: Map<string, string>
  try {
    values = await readOnce(names, store ?? (() => ssmSecretParameters(env)))
  } catch (error) {
    const asked = wanted.map((entry) => `${entry.variable}=${entry.name}`).join(', ')
    throw new Error(`Cannot read the secrets from SSM Parameter Store (${asked}): ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`, { cause: error })
  }
  return { ...env, ...Object.fromEntries(wanted.map((entry) => [entry.secret, values.get(entry.name)])) }
}

/**
 * The SSM adapter, loaded when a parameter is to be read: a function given the values (a container)
 * never evaluates the SSM client. Bundled from the client's GetParameters alone (scripts/build.mjs).
 */
async function ssmSecretParameters(env: Env): Promise<SecretParameters> {
  const config = loadConfigOf(configSchema({ AWS_ENDPOINT_URL_SSM: StripeSlice.AWS_ENDPOINT_URL_SSM }), env)
  const { ssmSecretParametersReadOnce } = await import('../adapters/aws/ssm-secret-parameters')
  return ssmSecretParametersReadOnce(awsClientOptions({ AWS_REGION: config.AWS_REGION, AWS_ENDPOINT_URL: config.AWS_ENDPOINT_URL_SSM ?? config.AWS_ENDPOINT_URL }))
}
