// A loopback stand-in for the AWS endpoint during cold-start runs (AWS_ENDPOINT_URL points here), so
// that nothing reaches the internet and a first invocation that calls AWS still completes, with the
// call counted in its time. It speaks DynamoDB's JSON protocol as a database holding only the items
// it is given (GetItem by `id`): other reads find nothing, writes succeed (conditions are not
// evaluated). It also answers SSM's GetParameters (the functions' secrets at cold start) from the
// parameters it is given, as SecureStrings. Any other call (another service, an unknown operation)
// is answered 400 (not retried by the SDK) and recorded, so the benchmark can name what a function called.
import { once } from 'node:events'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'

// Answers of an empty table; write operations answer `{}`.
const DYNAMODB_READS: Record<string, object> = {
  GetItem: {},
  Query: { Items: [], Count: 0, ScannedCount: 0 },
  Scan: { Items: [], Count: 0, ScannedCount: 0 },
  BatchGetItem: { Responses: {}, UnprocessedKeys: {} },
  TransactGetItems: { Responses: [] },
  BatchWriteItem: { UnprocessedItems: {} }
}
const DYNAMODB_WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'TransactWriteItems'])

export interface AwsStandIn {
  url: string
  /** The calls received since the last take, e.g. `DynamoDB.GetItem`, then forgotten. */
  takeCalls(): string[]
  stop(): Promise<void>
}

/** An item in DynamoDB JSON (`{ "id": { "S": "..." }, ... }`), found by GetItem on its table and `id`. */
export type StoredItem = Record<string, unknown> & { id: { S: string } }

/** `items`: what GetItem finds, by table name; `parameters`: SSM parameter name → value. */
export async function startAwsStandIn(items: Record<string, StoredItem[]> = {}, parameters: Record<string, string> = {}): Promise<AwsStandIn> {
  let calls: string[] = []
  const getItem = (payload: string): object => {
    const { TableName, Key } = JSON.parse(payload || '{}') as { TableName?: string; Key?: { id?: { S?: string } } }
    const item = items[TableName ?? '']?.find((candidate) => candidate.id.S === Key?.id?.S)
    return item ? { Item: item } : {}
  }
  const getParameters = (payload: string): object => {
    const { Names = [] } = JSON.parse(payload || '{}') as { Names?: string[] }
    return {
      Parameters: Names.filter((name) => name in parameters).map((name) => ({ Name: name, Type: 'SecureString', Value: parameters[name], Version: 1 })),
      InvalidParameters: Names.filter((name) => !(name in parameters))
    }
  }
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    let payload = ''
    request.on('data', (chunk: Buffer) => (payload += chunk.toString()))
    request.on('end', () => {
      const target = String(request.headers['x-amz-target'] ?? '')
      const [service, operation = ''] = target.split('.')
      if (target === 'AmazonSSM.GetParameters') {
        calls.push('SSM.GetParameters')
        response.writeHead(200, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': 'bench' })
        response.end(JSON.stringify(getParameters(payload)))
        return
      }
      const known = service?.startsWith('DynamoDB_') && (operation in DYNAMODB_READS || DYNAMODB_WRITES.has(operation))
      calls.push(service?.startsWith('DynamoDB_') ? `DynamoDB.${operation}` : `${request.method} ${request.url} ${target}`.trim())
      const body = !known
        ? { __type: 'com.amazon.coral.service#UnknownOperationException', message: `bench stand-in: ${target || request.url}` }
        : operation === 'GetItem'
          ? getItem(payload)
          : (DYNAMODB_READS[operation] ?? {})
      response.writeHead(known ? 200 : 400, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': 'bench' })
      response.end(JSON.stringify(body))
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const address = server.address()
  if (!address || typeof address === 'string') throw new Error('stand-in: no port assigned')
  return {
    url: `http://127.0.0.1:${address.port}`,
    takeCalls() {
      const taken = calls
      calls = []
      return taken
    },
    async stop() {
      server.closeAllConnections()
      server.close()
      await once(server, 'close')
    }
  }
}
