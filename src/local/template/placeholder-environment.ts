// The environment template.yaml gives a function on AWS, with placeholder resource names and
// placeholder values for parameters that have no default (secrets). For code that loads the real
// config without a deployment or local engines: the OpenAPI document and the cold-start benchmark.
import { SECRET_PARAMETERS, type SecretName } from '../../composition/secrets'
import { functionEnvironment, resourceNames } from './names'
import type { CloudFormationTemplate } from './template'

/** The API monolith function: the one whose Handler is the Lambda entry of src/lambda.ts. */
export function apiFunctionId(template: CloudFormationTemplate): string | undefined {
  return Object.entries(template.Resources).find(
    ([, resource]) => resource.Type === 'AWS::Serverless::Function' && resource.Properties?.Handler === 'lambda.handler'
  )?.[0]
}

// Deterministic, so generated artefacts do not change between runs. The first one that satisfies a
// parameter's AllowedPattern and MinLength is used; a parameter none fits needs a candidate here.
const PLACEHOLDER_CANDIDATES = [
  'placeholder'.padEnd(64, '-'), // long enough for any secret's minimum length
  'sk_test_placeholder', // Stripe secret key
  'whsec_placeholder' // Stripe webhook signing secret
]

interface ParameterConstraints {
  AllowedPattern?: string
  MinLength?: number
  MaxLength?: number
}

function placeholderFor(name: string, constraints: ParameterConstraints): string {
  // CloudFormation matches AllowedPattern against the whole value.
  const pattern = constraints.AllowedPattern === undefined ? undefined : new RegExp(`^(?:${constraints.AllowedPattern})$`)
  const fits = (value: string) =>
    (pattern?.test(value) ?? true) &&
    value.length >= (constraints.MinLength ?? 0) &&
    value.length <= (constraints.MaxLength ?? Number.POSITIVE_INFINITY)
  // Last, a parameter name of SSM's shape, distinct per template parameter (each names another secret).
  const value = [...PLACEHOLDER_CANDIDATES, `/placeholder/${name}`].find(fits)
  if (value === undefined) {
    throw new Error(`template parameter ${name} has no Default and no placeholder fits its constraints; add one to PLACEHOLDER_CANDIDATES`)
  }
  return value
}

/** A value of each secret that its config schema accepts. */
export const PLACEHOLDER_SECRET_VALUES: Record<SecretName, string> = {
  JWT_SECRET: 'placeholder'.padEnd(64, '-'),
  STRIPE_SECRET_KEY: 'sk_test_placeholder',
  STRIPE_WEBHOOK_SECRET: 'whsec_placeholder'
}

/**
 * What SSM Parameter Store would hold for the secret parameters a function's `env` names (its
 * *_PARAMETER variables): parameter name → a placeholder value of that secret. For stand-ins of SSM.
 */
export function placeholderSecretParameters(env: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    (Object.entries(SECRET_PARAMETERS) as Array<[SecretName, string]>)
      .filter(([, variable]) => env[variable])
      .map(([secret, variable]) => [env[variable], PLACEHOLDER_SECRET_VALUES[secret]])
  )
}

/** `env` with its secrets given as values (as a container may take them) instead of parameter names. */
export function withPlaceholderSecrets(env: Record<string, string>): Record<string, string> {
  const values: Record<string, string> = { ...env }
  for (const [secret, variable] of Object.entries(SECRET_PARAMETERS) as Array<[SecretName, string]>) {
    if (!(variable in values)) continue
    delete values[variable]
    values[secret] = PLACEHOLDER_SECRET_VALUES[secret]
  }
  return values
}

export function placeholderFunctionEnvironment(
  template: CloudFormationTemplate,
  functionId: string | undefined,
  stackName = 'placeholder'
): Record<string, string> {
  const parameters = Object.fromEntries(
    Object.entries(template.Parameters ?? {})
      .filter(([, parameter]) => parameter.Default === undefined)
      .map(([name, parameter]) => [name, placeholderFor(name, parameter as ParameterConstraints)])
  )
  return functionEnvironment(template, resourceNames(template, { stackName, parameters }), functionId)
}
