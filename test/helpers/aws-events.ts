// Real AWS sample events (vendored in test/fixtures/events, see its SOURCES.md), loaded and, for the SAM
// templates, filled in. Tests start from these instead of hand-invented minimal objects.
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { APIGatewayProxyEvent, Context } from 'aws-lambda'
import { projectRootFrom } from '../../src/infra/project-root'

export const AWS_EVENTS_DIR = join(projectRootFrom(import.meta.url), 'test', 'fixtures', 'events')

export function loadAwsEvent<T>(file: string, fill: Record<string, string | object> = {}): T {
  const path = join(AWS_EVENTS_DIR, file)
  if (!existsSync(path)) throw new Error(`AWS event fixture missing: ${path} (see test/fixtures/events/SOURCES.md)`)
  let text = readFileSync(path, 'utf8')
  for (const [name, value] of Object.entries(fill)) {
    // An object replaces the quoted placeholder with JSON; a string is inserted as JSON string content.
    text = typeof value === 'string'
      ? text.replaceAll(`{{{${name}}}}`, JSON.stringify(value).slice(1, -1))
      : text.replaceAll(`"{{{${name}}}}"`, JSON.stringify(value))
  }
  const left = text.match(/\{\{\{[a-z_]+\}\}\}/)
  if (left) throw new Error(`${file}: placeholder ${left[0]} not filled`)
  return JSON.parse(text) as T
}

export function lambdaContext(functionName = 'ApiFunction'): Context {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: '2026/11/24/[$LATEST]abcdef',
    getRemainingTimeInMillis: () => 29_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined
  }
}

/** An API Gateway REST (v1) proxy event from the vendored sample, for `method` `path` with `body`. */
export function apiGatewayRestEvent<T = APIGatewayProxyEvent>(method: string, path: string, body: string, query: Record<string, string> | null = null): T {
  return loadAwsEvent<T>('apigw-rest-proxy.json', {
    method,
    path: path.replace(/^\//, ''),
    body,
    stage: 'prod',
    resource: '/{proxy+}',
    account_id: '123456789012',
    dns_suffix: 'amazonaws.com',
    querystringparameters: query ?? {}
  })
}

/** An SQS record as Lambda hands it to a queue worker, carrying `envelope` as SNS raw delivery does. */
export function sqsRecordOf(envelope: unknown, messageId: string) {
  return {
    messageId,
    receiptHandle: `handle-${messageId}`,
    body: JSON.stringify(envelope),
    attributes: { ApproximateReceiveCount: '1', SentTimestamp: '1', SenderId: 'sns', ApproximateFirstReceiveTimestamp: '1' },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:local:000000000000:notifications',
    awsRegion: 'local'
  }
}
