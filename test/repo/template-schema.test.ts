// template.yaml against the CloudFormation resource schemas (issue 11), with ajv: every plain
// CloudFormation resource's Properties against its type's schema (test/helpers/cfn-resource-schemas.ts,
// from the maintained @aws-cdk/aws-service-spec package), and the template's own anatomy (sections,
// resource attributes, parameters, outputs) against the schema below, written from CloudFormation's
// template reference. SAM's resources are checked by cfn-lint through SAM's own transform
// (test/repo/template-validation.test.ts). A broken copy of each kind must be rejected.
import t from 'tap'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import Ajv from 'ajv'
import { projectRootFrom } from '../../src/infra/project-root'
import { parseTemplate, type CloudFormationTemplate } from '../../src/local/template/template'
import { CfnResourceSchemas } from '../helpers/cfn-resource-schemas'

const root = projectRootFrom(import.meta.url)
const templateText = readFileSync(join(root, 'template.yaml'), 'utf8')
const template = parseTemplate(templateText)
const schemas = new CfnResourceSchemas()
const ajv = new Ajv({ allErrors: true, strict: false })

const SAM_TYPES = /^AWS::Serverless::/

/** Template anatomy (CloudFormation User Guide, "Template anatomy"; SAM adds Globals). */
const TEMPLATE_SCHEMA = {
  type: 'object',
  required: ['Resources'],
  additionalProperties: false,
  properties: {
    AWSTemplateFormatVersion: { const: '2010-09-09' },
    Transform: {},
    Description: { type: 'string', maxLength: 1024 },
    Metadata: { type: 'object' },
    Parameters: {
      type: 'object',
      maxProperties: 200,
      propertyNames: { pattern: '^[A-Za-z0-9]{1,255}$' },
      additionalProperties: {
        type: 'object',
        required: ['Type'],
        additionalProperties: false,
        properties: {
          Type: {
            anyOf: [
              { enum: ['String', 'Number', 'List<Number>', 'CommaDelimitedList'] },
              { type: 'string', pattern: '^(AWS::[A-Za-z0-9]+::[A-Za-z0-9]+::[A-Za-z0-9]+|List<AWS::[A-Za-z0-9:]+>|AWS::SSM::Parameter::(Name|Value<.+>))$' }
            ]
          },
          Default: { type: ['string', 'number'] },
          AllowedPattern: { type: 'string' },
          AllowedValues: { type: 'array' },
          ConstraintDescription: { type: 'string' },
          Description: { type: 'string', maxLength: 4000 },
          MaxLength: { type: ['integer', 'string'] },
          MinLength: { type: ['integer', 'string'] },
          MaxValue: { type: ['number', 'string'] },
          MinValue: { type: ['number', 'string'] },
          NoEcho: { type: ['boolean', 'string'] }
        }
      }
    },
    Mappings: { type: 'object' },
    Conditions: { type: 'object' },
    Rules: { type: 'object' },
    Globals: { type: 'object' },
    Resources: {
      type: 'object',
      minProperties: 1,
      maxProperties: 500,
      propertyNames: { pattern: '^[A-Za-z0-9]{1,255}$' },
      additionalProperties: {
        type: 'object',
        required: ['Type'],
        additionalProperties: false,
        properties: {
          Type: { type: 'string', pattern: '^(AWS::[A-Za-z0-9]+::[A-Za-z0-9]+|Custom::[A-Za-z0-9_@-]+|[A-Za-z0-9]+::[A-Za-z0-9]+::[A-Za-z0-9]+)$' },
          Properties: { type: 'object' },
          DependsOn: { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] },
          Condition: { type: 'string' },
          DeletionPolicy: { enum: ['Delete', 'Retain', 'RetainExceptOnCreate', 'Snapshot'] },
          UpdateReplacePolicy: { enum: ['Delete', 'Retain', 'Snapshot'] },
          Metadata: { type: 'object' },
          CreationPolicy: { type: 'object' },
          UpdatePolicy: { type: 'object' }
        }
      }
    },
    Outputs: {
      type: 'object',
      maxProperties: 200,
      propertyNames: { pattern: '^[A-Za-z0-9]{1,255}$' },
      additionalProperties: {
        type: 'object',
        required: ['Value'],
        additionalProperties: false,
        properties: { Value: {}, Description: { type: 'string' }, Export: { type: 'object', required: ['Name'] }, Condition: { type: 'string' } }
      }
    }
  }
}

const validateTemplate = ajv.compile(TEMPLATE_SCHEMA)
/** One compiled validator per resource type (null: a type the schemas do not know). */
const validators = new Map<string, ReturnType<typeof ajv.compile> | null>()
function validatorOf(type: string): ReturnType<typeof ajv.compile> | null {
  if (!validators.has(type)) {
    const schema = schemas.propertiesSchema(type)
    validators.set(type, schema ? ajv.compile(schema) : null)
  }
  return validators.get(type) ?? null
}

/** What the schemas reject in a template: its anatomy, then each plain CloudFormation resource's Properties. */
function schemaProblems(checked: CloudFormationTemplate): string[] {
  const problems: string[] = []
  if (!validateTemplate(checked)) {
    for (const error of validateTemplate.errors ?? []) problems.push(`template${error.instancePath}: ${error.message ?? ''} ${JSON.stringify(error.params)}`)
  }
  for (const [id, resource] of Object.entries(checked.Resources)) {
    if (SAM_TYPES.test(resource.Type)) continue
    const validate = validatorOf(resource.Type)
    if (!validate) {
      problems.push(`${id}: ${resource.Type} is not a CloudFormation resource type`)
      continue
    }
    if (!validate(resource.Properties ?? {})) {
      // anyOf branches repeat one mistake many times: report each place once, most specific first.
      const seen = new Set<string>()
      for (const error of validate.errors ?? []) {
        const line = `${id} (${resource.Type}) Properties${error.instancePath}: ${error.message ?? ''} ${JSON.stringify(error.params)}`
        if (!seen.has(line)) problems.push(line)
        seen.add(line)
      }
    }
  }
  return problems
}

t.test('template.yaml: its anatomy and every CloudFormation resource match their schemas', async (t) => {
  t.same(schemaProblems(template), [], 'no problem')
  const types = new Set(Object.values(template.Resources).map((resource) => resource.Type).filter((type) => !SAM_TYPES.test(type)))
  t.ok(types.has('AWS::DynamoDB::Table') && types.has('AWS::SQS::Queue') && types.has('AWS::SNS::Topic'), `checked against their schemas: ${[...types].sort().join(', ')}`)
})

t.test('a broken copy of each kind is rejected', async (t) => {
  const broken = (from: string, to: string) => {
    if (!templateText.includes(from)) throw new Error(`template.yaml no longer contains ${JSON.stringify(from)}: update this test`)
    return parseTemplate(templateText.replace(from, to))
  }
  const cases: Array<[string, CloudFormationTemplate, RegExp]> = [
    ['a property its type does not have', broken('      BillingMode: PAY_PER_REQUEST', '      BillingMod: PAY_PER_REQUEST'), /UsersTable \(AWS::DynamoDB::Table\) Properties: must NOT have additional properties \{"additionalProperty":"BillingMod"\}/],
    ['a value of the wrong type', broken('      MessageRetentionPeriod: 1209600', '      MessageRetentionPeriod: [1209600]'), /\(AWS::SQS::Queue\) Properties\/MessageRetentionPeriod: /],
    ['a nested property misspelt', broken('PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true }', 'PointInTimeRecoverySpecification: { PointInTimeRecoveryEnable: true }'), /Properties\/PointInTimeRecoverySpecification: must NOT have additional properties/],
    ['a required property missing', broken('      Protocol: sqs\n', '\n'), /\(AWS::SNS::Subscription\) Properties: must have required property 'Protocol'/],
    ['a resource type that does not exist', broken('Type: AWS::SNS::Topic', 'Type: AWS::SNS::Topics'), /AWS::SNS::Topics is not a CloudFormation resource type/],
    ['a resource attribute misspelt', broken('    DeletionPolicy: Retain\n', '    DeletionPolicies: Retain\n'), /template\/Resources\/UsersTable: must NOT have additional properties \{"additionalProperty":"DeletionPolicies"\}/],
    ['a deletion policy CloudFormation does not know', broken('    UpdateReplacePolicy: Retain\n', '    UpdateReplacePolicy: Keep\n'), /template\/Resources\/UsersTable\/UpdateReplacePolicy: must be equal to one of the allowed values/],
    ['a parameter type CloudFormation does not know', broken('  Stage:\n    Type: String', '  Stage:\n    Type: Text'), /template\/Parameters\/Stage\/Type: /],
    ['an unknown template section', parseTemplate(`${templateText}\nOutput:\n  X:\n    Value: x\n`), /template: must NOT have additional properties \{"additionalProperty":"Output"\}/]
  ]
  for (const [what, copy, expected] of cases) t.match(schemaProblems(copy).join('\n'), expected, `rejected: ${what}`)
})
