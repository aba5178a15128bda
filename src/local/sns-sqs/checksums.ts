// The MD5 digests SQS puts on every message (md5OfBody, md5OfMessageAttributes), computed as SQS does,
// so local records carry the same values a consumer would see on AWS.
import { createHash } from 'node:crypto'
import type { SQSMessageAttributes } from 'aws-lambda'

export function md5OfBody(body: string): string {
  return createHash('md5').update(body, 'utf8').digest('hex')
}

/**
 * SQS's digest of message attributes: for each attribute in name order, the name, the data type, a
 * transport byte (1 string, 2 binary) and the value, each length-prefixed (4-byte big-endian).
 * Undefined when there are no attributes (SQS then omits the field).
 */
export function md5OfMessageAttributes(attributes: SQSMessageAttributes): string | undefined {
  const names = Object.keys(attributes).sort()
  if (names.length === 0) return undefined
  const hash = createHash('md5')
  const field = (bytes: Buffer) => {
    const length = Buffer.alloc(4)
    length.writeUInt32BE(bytes.length)
    hash.update(length).update(bytes)
  }
  for (const name of names) {
    const attribute = attributes[name]
    if (!attribute) continue
    field(Buffer.from(name, 'utf8'))
    field(Buffer.from(attribute.dataType, 'utf8'))
    if (attribute.dataType.startsWith('Binary')) {
      hash.update(Buffer.from([2]))
      field(Buffer.from(attribute.binaryValue ?? '', 'base64'))
    } else {
      hash.update(Buffer.from([1]))
      field(Buffer.from(attribute.stringValue ?? '', 'utf8'))
    }
  }
  return hash.digest('hex')
}
