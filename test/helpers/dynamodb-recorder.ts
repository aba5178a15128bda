// An HTTP pass-through in front of DynamoDB Local that records every operation the app sends (its
// X-Amz-Target, table and index), so a test can assert how a route reads: e.g. from an index, never
// with a Scan. Every byte is forwarded unchanged to the real engine and back; nothing is faked.
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface RecordedOperation {
  /** e.g. Query, Scan, GetItem, BatchGetItem, TransactWriteItems */
  operation: string
  /** Every table the request names (one, or several for batch and transaction operations). */
  tables: string[]
  indexName?: string
}

export interface DynamoDbRecorder {
  /** e.g. http://127.0.0.1:41234: give it to the app as its DynamoDB endpoint. */
  readonly endpoint: string
  readonly operations: RecordedOperation[]
  close(): Promise<void>
}

export async function startDynamoDbRecorder(target: string): Promise<DynamoDbRecorder> {
  const { hostname, port } = new URL(target)
  if (hostname !== '127.0.0.1' && hostname !== 'localhost') throw new Error(`the recorder forwards to loopback only, not ${hostname}`)
  const operations: RecordedOperation[] = []
  const server = createServer((incoming: IncomingMessage, outgoing: ServerResponse) => {
    const chunks: Buffer[] = []
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk))
    incoming.on('end', () => {
      const body = Buffer.concat(chunks)
      operations.push(describe(String(incoming.headers['x-amz-target'] ?? ''), body))
      const upstream = httpRequest(
        { host: '127.0.0.1', port: Number(port), method: incoming.method, path: incoming.url, headers: incoming.headers },
        (answer) => {
          outgoing.writeHead(answer.statusCode ?? 502, answer.headers)
          answer.pipe(outgoing)
        }
      )
      upstream.on('error', () => outgoing.destroy())
      upstream.end(body)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address() as AddressInfo
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    operations,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}

function describe(target: string, body: Buffer): RecordedOperation {
  const operation = target.split('.').pop() ?? ''
  let input: { TableName?: string; IndexName?: string; RequestItems?: object; TransactItems?: Array<Record<string, { TableName?: string }>> } = {}
  try {
    input = JSON.parse(body.toString('utf8')) as typeof input
  } catch {
    // Not JSON: recorded with no table.
  }
  const tables = [
    ...(input.TableName ? [input.TableName] : []),
    ...Object.keys(input.RequestItems ?? {}),
    ...(input.TransactItems ?? []).flatMap((item) => Object.values(item).map((part) => part.TableName ?? ''))
  ]
  return { operation, tables, ...(input.IndexName ? { indexName: input.IndexName } : {}) }
}
