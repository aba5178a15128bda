// One Lambda cold start, run as a fresh process by bench/platform.ts: imports dist/lambda.mjs (Lambda's
// init phase) and invokes its handler once with a real API Gateway REST (v1) event for GET /health.
// Prints one JSON line: milliseconds since this process started at each step, and the status code.
// The environment (AWS mode, table names, credentials) is the caller's; GET /health does no I/O.
import { readFileSync } from 'node:fs'
import { fileURLToPath, pathToFileURL } from 'node:url'

const lambdaPath = fileURLToPath(new URL('../dist/lambda.mjs', import.meta.url))
const event = JSON.parse(readFileSync(new URL('./events/apigw-rest-get-health.json', import.meta.url), 'utf8'))
const context = {
  callbackWaitsForEmptyEventLoop: true,
  functionName: 'ApiFunction',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:ApiFunction',
  memoryLimitInMB: '1024',
  awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
  logGroupName: '/aws/lambda/ApiFunction',
  logStreamName: '2026/01/01/[$LATEST]bench',
  getRemainingTimeInMillis: () => 29_000
}

// performance.now() counts from the start of this process.
const startedMs = performance.now()
const { handler } = await import(pathToFileURL(lambdaPath).href)
const importedMs = performance.now()
const response = await handler(event, context)
const invokedMs = performance.now()

// Exit at once, as Lambda freezes the sandbox after the response: lingering timers are not cold start.
process.stdout.write(
  `${JSON.stringify({ startedMs, importedMs, invokedMs, statusCode: response.statusCode, body: response.body })}\n`,
  () => process.exit(0)
)
