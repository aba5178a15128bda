// A loopback stand-in for SSM Parameter Store (AWS_ENDPOINT_URL_SSM or AWS_ENDPOINT_URL points here):
// it answers GetParameters from the parameters it is given, as SSM's JSON protocol does (unknown
// names in InvalidParameters), and records every request so tests can assert exactly what was asked.
import { once } from 'node:events'
import { createServer } from 'node:http'
import type { Test } from 'tap'

export interface SsmRequest {
  target: string
  contentType: string
  body: unknown
}

export interface StoredParameter {
  value: string
  type?: 'SecureString' | 'String' | 'StringList'
}

export interface SsmStandIn {
  url: string
  requests: SsmRequest[]
}

/** `parameters`: name → value (a SecureString) or a stored parameter of another type. Closed when `t` ends. */
export async function startSsmStandIn(t: Test, parameters: Record<string, string | StoredParameter>): Promise<SsmStandIn> {
  const requests: SsmRequest[] = []
  const server = createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      const target = String(request.headers['x-amz-target'] ?? '')
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as { Names?: string[]; WithDecryption?: boolean }
      requests.push({ target, contentType: String(request.headers['content-type'] ?? ''), body })
      const reply = (status: number, payload: object) => {
        response.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': 'ssm-stand-in' })
        response.end(JSON.stringify(payload))
      }
      if (target !== 'AmazonSSM.GetParameters') return reply(400, { __type: 'UnknownOperationException', message: target })
      const names = body.Names ?? []
      const found = names.filter((name) => name in parameters)
      reply(200, {
        Parameters: found.map((name) => {
          const stored = parameters[name] as string | StoredParameter
          const { value, type = 'SecureString' } = typeof stored === 'string' ? { value: stored } : stored
          // Without decryption SSM returns a SecureString's ciphertext, never the value.
          const shown = type === 'SecureString' && body.WithDecryption !== true ? 'AQICAHh-ciphertext' : value
          return { Name: name, Type: type, Value: shown, Version: 1, DataType: 'text', ARN: `arn:aws:ssm:us-east-1:123456789012:parameter${name}` }
        }),
        InvalidParameters: names.filter((name) => !(name in parameters))
      })
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.teardown(async () => {
    server.closeAllConnections()
    server.close()
    await once(server, 'close')
  })
  const address = server.address()
  if (!address || typeof address === 'string') throw new Error('ssm stand-in: no port assigned')
  return { url: `http://127.0.0.1:${address.port}`, requests }
}
