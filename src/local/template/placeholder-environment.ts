// The environment template.yaml gives a function on AWS, with placeholder resource names and
// placeholder values for parameters that have no default (secrets). For code that loads the real
// config without a deployment or local engines: the OpenAPI document and the cold-start benchmark.
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
  const value = PLACEHOLDER_CANDIDATES.find(fits)
  if (value === undefined) {
    throw new Error(`template parameter ${name} has no Default and no placeholder fits its constraints; add one to PLACEHOLDER_CANDIDATES`)
  }
  return value
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
