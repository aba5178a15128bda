// JSON Schemas of CloudFormation resource types, for ajv, built from @aws-cdk/aws-service-spec: AWS's
// maintained database of the CloudFormation resource schemas (the CloudFormation registry's schemas,
// as the AWS CDK generates its L1 constructs from them; a new version every few days). Each property
// keeps its type (with the types it had before, which templates may still use), `required` and no
// property the type does not have; wherever a value goes, an intrinsic function may stand instead.
// SAM's own types (AWS::Serverless::*) are not built here: the database's copy of them is the old
// SAM specification (no LoggingConfig, for one); cfn-lint checks them through SAM's transform.
import { loadAwsServiceSpecSync } from '@aws-cdk/aws-service-spec'

type SpecDatabase = ReturnType<typeof loadAwsServiceSpecSync>
type JsonSchema = Record<string, unknown>

interface SpecType {
  type: string
  element?: SpecType
  types?: SpecType[]
  reference?: { $ref: string }
}

interface SpecProperty {
  type: SpecType
  previousTypes?: SpecType[]
  required?: boolean
}

/** CloudFormation's intrinsic functions: any of them may stand for a value (CloudFormation checks its result). */
const INTRINSIC: JsonSchema = {
  type: 'object',
  minProperties: 1,
  maxProperties: 1,
  propertyNames: {
    enum: [
      'Ref', 'Condition', 'Fn::Base64', 'Fn::Cidr', 'Fn::FindInMap', 'Fn::GetAtt', 'Fn::GetAZs', 'Fn::If', 'Fn::ImportValue',
      'Fn::Join', 'Fn::Length', 'Fn::Select', 'Fn::Split', 'Fn::Sub', 'Fn::ToJsonString', 'Fn::Transform'
    ]
  }
}

const orIntrinsic = (schema: JsonSchema): JsonSchema => ({ anyOf: [schema, { $ref: '#/definitions/intrinsic' }] })

/** CloudFormation turns scalars into the type a property wants ("30" for 30, 30 for "30", "true" for true). */
const SCALARS: Record<string, JsonSchema> = {
  string: { type: ['string', 'number', 'boolean'] },
  number: { anyOf: [{ type: 'number' }, { type: 'string', pattern: '^-?[0-9]+(\\.[0-9]+)?$' }] },
  integer: { anyOf: [{ type: 'integer' }, { type: 'string', pattern: '^-?[0-9]+$' }] },
  boolean: { anyOf: [{ type: 'boolean' }, { enum: ['true', 'false'] }] },
  'date-time': { type: 'string' },
  json: {},
  null: { type: 'null' }
}

export class CfnResourceSchemas {
  private readonly db: SpecDatabase = loadAwsServiceSpecSync()

  /** The schema of a resource's Properties; undefined for a type the database does not know. */
  propertiesSchema(cloudFormationType: string): JsonSchema | undefined {
    const [resource] = this.db.lookup('resource', 'cloudFormationType', 'equals', cloudFormationType)
    if (!resource) return undefined
    const definitions: Record<string, JsonSchema> = { intrinsic: INTRINSIC }
    const pending: string[] = []
    const typeSchema = (type: SpecType): JsonSchema => {
      switch (type.type) {
        case 'ref': {
          const id = type.reference?.$ref as string
          if (!(id in definitions)) {
            definitions[id] = {}
            pending.push(id)
          }
          return orIntrinsic({ $ref: `#/definitions/${id}` })
        }
        case 'array':
          return orIntrinsic({ type: 'array', items: typeSchema(type.element as SpecType) })
        case 'map':
          return orIntrinsic({ type: 'object', additionalProperties: typeSchema(type.element as SpecType) })
        case 'union':
          return { anyOf: (type.types ?? []).map(typeSchema) }
        case 'tag':
          return orIntrinsic({ type: 'object', required: ['Key', 'Value'], properties: { Key: orIntrinsic(SCALARS.string as JsonSchema), Value: orIntrinsic(SCALARS.string as JsonSchema) }, additionalProperties: false })
        default: {
          const scalar = SCALARS[type.type]
          if (!scalar) throw new Error(`${cloudFormationType}: property type ${type.type} is not known here`)
          return orIntrinsic(scalar)
        }
      }
    }
    const objectSchema = (properties: Record<string, SpecProperty>): JsonSchema => ({
      type: 'object',
      properties: Object.fromEntries(
        Object.entries(properties).map(([name, property]) => {
          const types = [property.type, ...(property.previousTypes ?? [])]
          return [name, types.length === 1 ? typeSchema(property.type) : { anyOf: types.map(typeSchema) }]
        })
      ),
      required: Object.entries(properties).filter(([, property]) => property.required).map(([name]) => name),
      additionalProperties: false
    })
    const schema = objectSchema(resource.properties as unknown as Record<string, SpecProperty>)
    // Bounded: each type definition is built once.
    for (let id = pending.shift(); id !== undefined; id = pending.shift()) {
      definitions[id] = objectSchema(this.db.get('typeDefinition', id).properties as unknown as Record<string, SpecProperty>)
    }
    return { ...schema, definitions }
  }
}
