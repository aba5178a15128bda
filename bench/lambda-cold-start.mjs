// One Lambda cold start, run as a fresh process by bench/platform.ts:
//   node bench/lambda-cold-start.mjs <bundle.mjs> <event.json> [functionName]
// imports the bundle (Lambda's init phase) and invokes its `handler` once with the event (a real
// trigger event: API Gateway, SQS, Step Functions task input, DynamoDB stream, schedule). Prints one
// JSON line: milliseconds since this process started at each step, and the outcome — the result (or
// the thrown error's name, as Lambda would report it as errorType). The environment (AWS mode, table
// names, credentials, the endpoint of the stand-in for AWS) is the caller's.
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'

const [bundle, eventFile, functionName = 'Function'] = process.argv.slice(2)
if (!bundle || !eventFile) throw new Error('usage: node bench/lambda-cold-start.mjs <bundle.mjs> <event.json> [functionName]')
const event = JSON.parse(readFileSync(eventFile, 'utf8'))
const context = {
  callbackWaitsForEmptyEventLoop: true,
  functionName,
  functionVersion: '$LATEST',
  invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${functionName}`,
  memoryLimitInMB: '1024',
  awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
  logGroupName: `/aws/lambda/${functionName}`,
  logStreamName: '2026/01/01/[$LATEST]bench',
  getRemainingTimeInMillis: () => 29_000
}

// performance.now() counts from the start of this process.
const startedMs = performance.now()
const { handler } = await import(pathToFileURL(resolve(bundle)).href)
const importedMs = performance.now()
let outcome
try {
  outcome = { result: await handler(event, context) }
} catch (error) {
  outcome = { errorType: error?.name ?? 'Error', errorMessage: String(error?.message ?? error) }
}
const invokedMs = performance.now()

// Exit at once, as Lambda freezes the sandbox after the response: lingering timers are not cold start.
process.stdout.write(`${JSON.stringify({ startedMs, importedMs, invokedMs, ...outcome })}\n`, () => process.exit(0))
