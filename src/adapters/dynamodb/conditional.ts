// Conditional writes, the tool every repository uses to stay correct under concurrency: the write
// happens only if its condition holds, and "the condition did not hold" is an answer, not an error.
import {
  PutCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
  type PutCommandInput,
  type UpdateCommandInput
} from '@aws-sdk/lib-dynamodb'

/** Recognises DynamoDB's "the condition of this write did not hold" outcome. */
export function isConditionFailed(error: unknown): boolean {
  const name = (error as { name?: string } | null)?.name
  return name === 'ConditionalCheckFailedException' || name === 'TransactionCanceledException'
}

/** Runs a conditional write: true when it was applied, false when its condition did not hold. */
export async function conditionally(write: () => Promise<unknown>): Promise<boolean> {
  try {
    await write()
    return true
  } catch (error) {
    if (isConditionFailed(error)) return false
    throw error
  }
}

/** Puts `item` unless an item with the same `keyAttribute` exists; false when it did. */
export async function putIfAbsent(documents: DynamoDBDocumentClient, tableName: string, item: Record<string, unknown>, keyAttribute: string): Promise<boolean> {
  const input: PutCommandInput = {
    TableName: tableName,
    Item: item,
    ConditionExpression: 'attribute_not_exists(#key)',
    ExpressionAttributeNames: { '#key': keyAttribute }
  }
  return conditionally(() => documents.send(new PutCommand(input)))
}

/**
 * Runs the conditional update; the item's new attributes when it applied (ReturnValues ALL_NEW),
 * undefined when its condition did not hold.
 */
export async function updateIf(documents: DynamoDBDocumentClient, input: UpdateCommandInput): Promise<Record<string, unknown> | undefined> {
  try {
    const result = await documents.send(new UpdateCommand({ ...input, ReturnValues: 'ALL_NEW' }))
    return result.Attributes ?? {}
  } catch (error) {
    if (isConditionFailed(error)) return undefined
    throw error
  }
}

/** A SET clause with the attribute names and values it refers to, for an UpdateExpression. */
export interface SetClause {
  /** `SET #a = :a, #b = :b, ...computed` */
  expression: string
  names: Record<string, string>
  values: Record<string, unknown>
}

/**
 * The SET clause writing each defined field of `fields` as `#field = :field` (a field left undefined
 * is not touched), plus `computed` assignments written as given (e.g. `available = :stock - reserved`).
 * Every attribute goes through a `#` name, so reserved words (name, status) need no care; the caller
 * merges `names` and `values` with those of its condition, whose placeholders must not be `:field`
 * of a field written here unless they mean its new value.
 */
export function setClause(fields: Record<string, unknown>, computed: string[] = []): SetClause {
  const assignments: string[] = []
  const names: Record<string, string> = {}
  const values: Record<string, unknown> = {}
  for (const [field, value] of Object.entries(fields)) {
    if (value === undefined) continue
    assignments.push(`#${field} = :${field}`)
    names[`#${field}`] = field
    values[`:${field}`] = value
  }
  return { expression: `SET ${[...assignments, ...computed].join(', ')}`, names, values }
}
