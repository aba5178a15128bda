// Time limits of every AWS SDK client of the app (DynamoDB, SNS, Step Functions, SES; DynamoDB Local
// too). The SDK's default has none: a black-holed connection held API requests for ~35 s. An attempt
// ends after 1 s without a connection or 3 s without a complete answer (these services answer in
// milliseconds); with the SDK's own short backoff between 3 attempts a call gives up after about
// 10 s at worst, well inside API Gateway's 29 s, and the caller answers 503 instead of hanging.
import type { DynamoDBClientConfig } from '@aws-sdk/client-dynamodb'

export const AWS_CLIENT_LIMITS = {
  maxAttempts: 3,
  requestHandler: { connectionTimeout: 1_000, requestTimeout: 3_000, throwOnRequestTimeout: true }
} satisfies Pick<DynamoDBClientConfig, 'maxAttempts' | 'requestHandler'>
