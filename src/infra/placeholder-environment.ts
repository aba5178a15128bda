// The environment template.yaml gives a function on AWS, with placeholder resource names and
// placeholder values for parameters that have no default (secrets). For code that loads the real
// config without a deployment or local engines: the OpenAPI document and the cold-start benchmark.
import { functionEnvironment, localNames } from './local-names'
import type { CloudFormationTemplate } from './template'

/** The API monolith function: the one whose Handler is the Lambda entry of src/lambda.ts. */
export function apiFunctionId(template: CloudFormationTemplate): string | undefined {
  return Object.entries(template.Resources).find(
    ([, resource]) => resource.Type === 'AWS::Serverless::Function' && resource.Properties?.Handler === 'lambda.handler'
  )?.[0]
}

// Long enough for any secret's minimum length (JWT_SECRET needs 32); deterministic, so generated
// artefacts do not change between runs.
const PLACEHOLDER_PARAMETER = 'placeholder'.padEnd(64, '-')

export function placeholderFunctionEnvironment(
  template: CloudFormationTemplate,
  functionId: string | undefined,
  stackName = 'placeholder'
): Record<string, string> {
  const parameters = Object.fromEntries(
    Object.entries(template.Parameters ?? {})
      .filter(([, parameter]) => parameter.Default === undefined)
      .map(([name]) => [name, PLACEHOLDER_PARAMETER])
  )
  return functionEnvironment(template, localNames(template, { stackName, parameters }), functionId)
}
