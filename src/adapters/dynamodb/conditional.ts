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

/** Puts `item` unless an item with the same `keyAttribute` exists; false when it did. */
export async function putIfAbsent(documents: DynamoDBDocumentClient, tableName: string, item: Record<string, unknown>, keyAttribute: string): Promise<boolean> {
  const input: PutCommandInput = {
    TableName: tableName,
    Item: item,
    ConditionExpression: 'attribute_not_exists(#key)',
    ExpressionAttributeNames: { '#key': keyAttribute }
  }
  try {
    await documents.send(new PutCommand(input))
    return true
  } catch (error) {
    if (isConditionFailed(error)) return false
    throw error
  }
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
