// Recognising DynamoDB's "the condition of this write did not hold" outcome, for conditional writes.
export function isConditionFailed(error: unknown): boolean {
  const name = (error as { name?: string } | null)?.name
  return name === 'ConditionalCheckFailedException' || name === 'TransactionCanceledException'
}
