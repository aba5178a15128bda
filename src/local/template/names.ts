// The names the embedded runtime gives to template resources: what `!Ref X` and `!GetAtt X.Attr`
// resolve to locally. ARNs keep AWS's shapes (region `local`, account 000000000000) so code that
// parses or logs them behaves as on AWS.
import { resolveIntrinsics, type CloudFormationTemplate, type IntrinsicContext } from './template'

export const LOCAL_REGION = 'local'
export const LOCAL_ACCOUNT = '000000000000'

export interface ResourceNamesOptions {
  stackName: string
  /** Values for template Parameters; a parameter without one here uses its Default. */
  parameters?: Record<string, string>
}

export function resourceNames(template: CloudFormationTemplate, options: ResourceNamesOptions): IntrinsicContext {
  const pseudo: Record<string, string> = {
    'AWS::StackName': options.stackName,
    'AWS::Region': LOCAL_REGION,
    'AWS::AccountId': LOCAL_ACCOUNT,
    'AWS::Partition': 'aws',
    'AWS::URLSuffix': 'amazonaws.com',
    'AWS::NoValue': ''
  }
  const arn = (service: string, resource: string) => `arn:aws:${service}:${LOCAL_REGION}:${LOCAL_ACCOUNT}:${resource}`

  const context: IntrinsicContext = {
    ref(id) {
      if (id in pseudo) return pseudo[id]
      const parameter = template.Parameters?.[id]
      if (parameter) return options.parameters?.[id] ?? (parameter.Default === undefined ? undefined : String(parameter.Default))
      const resource = template.Resources[id]
      if (!resource) return undefined
      const name = physicalName(id)
      switch (resource.Type) {
        case 'AWS::SNS::Topic':
          return arn('sns', name)
        case 'AWS::SQS::Queue':
          return `https://sqs.${LOCAL_REGION}.amazonaws.com/${LOCAL_ACCOUNT}/${name}`
        case 'AWS::Serverless::StateMachine':
        case 'AWS::StepFunctions::StateMachine':
          return arn('states', `stateMachine:${name}`)
        default:
          return name
      }
    },
    getAtt(id, attribute) {
      const resource = template.Resources[id]
      if (!resource) return undefined
      const name = physicalName(id)
      if (attribute === 'Name' || attribute === 'QueueName' || attribute === 'TopicName') return name
      // A stand-in: the stream's real ARN (with its creation time) is known only once DynamoDB Local made it.
      if (attribute === 'StreamArn' && resource.Type === 'AWS::DynamoDB::Table') return arn('dynamodb', `table/${name}/stream/local`)
      if (attribute !== 'Arn') return undefined
      switch (resource.Type) {
        case 'AWS::SQS::Queue':
          return arn('sqs', name)
        case 'AWS::SNS::Topic':
          return arn('sns', name)
        case 'AWS::DynamoDB::Table':
          return arn('dynamodb', `table/${name}`)
        case 'AWS::Serverless::Function':
        case 'AWS::Lambda::Function':
          return arn('lambda', `function:${name}`)
        case 'AWS::Serverless::StateMachine':
        case 'AWS::StepFunctions::StateMachine':
          return arn('states', `stateMachine:${name}`)
        default:
          return undefined
      }
    }
  }

  const NAME_PROPERTY: Record<string, string> = {
    'AWS::DynamoDB::Table': 'TableName',
    'AWS::SNS::Topic': 'TopicName',
    'AWS::SQS::Queue': 'QueueName',
    'AWS::Serverless::StateMachine': 'Name',
    'AWS::StepFunctions::StateMachine': 'StateMachineName',
    'AWS::Serverless::Function': 'FunctionName',
    'AWS::Lambda::Function': 'FunctionName'
  }

  /** The resource's explicit name property, resolved, or `<stack>-<LogicalId>` as CloudFormation would generate. */
  function physicalName(id: string): string {
    const resource = template.Resources[id]
    const property = resource && NAME_PROPERTY[resource.Type]
    const explicit = property ? resource.Properties?.[property] : undefined
    return explicit === undefined ? `${options.stackName}-${id}` : String(resolveIntrinsics(explicit, context))
  }

  return context
}

/** The logical id of the resource whose local ARN (or name) is `arnOrName`, if any. */
export function logicalIdOf(template: CloudFormationTemplate, names: IntrinsicContext, arnOrName: string): string | undefined {
  return Object.keys(template.Resources).find(
    (id) => names.getAtt(id, 'Arn') === arnOrName || names.ref(id) === arnOrName
  )
}

/**
 * The environment variables a function gets on AWS (Globals.Function.Environment merged with the
 * function's own), resolved to local names. Locally the API and workers read the same variables.
 */
export function functionEnvironment(template: CloudFormationTemplate, names: IntrinsicContext, functionId?: string): Record<string, string> {
  const variablesOf = (properties: Record<string, unknown> | undefined) =>
    ((properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {})
  const merged = {
    ...variablesOf(template.Globals?.Function),
    ...(functionId ? variablesOf(template.Resources[functionId]?.Properties) : {})
  }
  return Object.fromEntries(Object.entries(resolveIntrinsics(merged, names) as Record<string, unknown>).map(([key, value]) => [key, String(value)]))
}

/**
 * Template parameter values taken from the environment: a variable defined as `!Ref Param` in
 * Globals or on any function (e.g. the API's `ADMIN_EMAILS: !Ref AdminEmails`) may be set locally
 * through that variable.
 */
export function parametersFromEnvironment(template: CloudFormationTemplate, env: Record<string, string | undefined>): Record<string, string> {
  const variablesOf = (properties: Record<string, unknown> | undefined) =>
    ((properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {})
  const variables = Object.assign(
    {},
    variablesOf(template.Globals?.Function),
    ...Object.values(template.Resources)
      .filter((resource) => resource.Type === 'AWS::Serverless::Function')
      .map((resource) => variablesOf(resource.Properties))
  ) as Record<string, unknown>
  const parameters: Record<string, string> = {}
  for (const [variable, value] of Object.entries(variables)) {
    const parameter = (value as { Ref?: unknown } | null)?.Ref
    const given = env[variable]
    if (typeof parameter === 'string' && template.Parameters?.[parameter] && given !== undefined && given !== '') parameters[parameter] = given
  }
  return parameters
}
