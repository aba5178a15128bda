// CursorCodec: opaque pagination cursors round-trip, and any tampering, malformed input, other
// secret or other scope (another list, another user) is a ValidationError naming `lastKey`.
import { createHmac } from 'node:crypto'
import t, { type Test } from 'tap'
import { ValidationError } from '../../src/domain/errors'
import { CursorCodec } from '../../src/services/cursor'

const secret = 'a'.repeat(64)
const codec = new CursorCodec(secret)
const key = { id: '7f0c1a52-3c1e-4c8e-9a53-1d2f3e4a5b6c', userId: 'u-1', createdAt: '2026-01-02T03:04:05.000Z', n: 42, nested: { ü: ['x'] } }

function rejects(t: Test, cursor: string, scope: string, name: string) {
  let thrown: unknown
  try {
    codec.decode(cursor, scope)
  } catch (error) {
    thrown = error
  }
  t.ok(thrown instanceof ValidationError, `${name}: ValidationError`)
  t.same({ message: (thrown as Error)?.message, details: (thrown as ValidationError)?.details }, { message: 'lastKey is invalid', details: { field: 'lastKey' } }, name)
}

t.test('round trip: decode gives back exactly the encoded key; the cursor is URL-safe', async (t) => {
  const cursor = codec.encode(key, 'orders:u-1')
  t.match(cursor, /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/)
  t.same(codec.decode(cursor, 'orders:u-1'), key)
  t.same(new CursorCodec(secret).decode(cursor, 'orders:u-1'), key, 'another instance with the same secret accepts it')
})

t.test('a cursor is bound to its scope: another list or another user is rejected', async (t) => {
  const cursor = codec.encode(key, 'orders:u-1')
  rejects(t, cursor, 'orders:u-2', 'other user')
  rejects(t, cursor, 'products', 'other list')
  rejects(t, cursor, 'orders:u-1 ', 'near-identical scope')
})

t.test('a cursor signed with another secret is rejected', async (t) => {
  rejects(t, new CursorCodec('b'.repeat(64)).encode(key, 'products'), 'products', 'other secret')
})

t.test('tampering with the payload or the signature is rejected', async (t) => {
  const cursor = codec.encode({ id: 'a' }, 'products')
  const [payload, signature] = cursor.split('.') as [string, string]
  const forged = Buffer.from(JSON.stringify({ id: 'b' })).toString('base64url')
  rejects(t, `${forged}.${signature}`, 'products', 'payload swapped')
  const flipped = signature.slice(0, 5) + (signature[5] === 'A' ? 'B' : 'A') + signature.slice(6)
  rejects(t, `${payload}.${flipped}`, 'products', 'signature changed')
  rejects(t, `${payload}.${signature.slice(0, -1)}`, 'products', 'signature truncated')
  rejects(t, `${payload}.${signature}AA`, 'products', 'signature extended')
  // 32 bytes take 43 base64url characters; the last one carries 2 unused bits. Another spelling of
  // the same bytes is still not the cursor that was issued.
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
  const last = alphabet.indexOf(signature.at(-1) as string)
  const respelled = signature.slice(0, -1) + alphabet[last ^ 1]
  t.same(Buffer.from(respelled, 'base64url'), Buffer.from(signature, 'base64url'), 'same bytes')
  rejects(t, `${payload}.${respelled}`, 'products', 'signature respelled')
})

t.test('malformed cursors are rejected', async (t) => {
  const cursor = codec.encode({ id: 'a' }, 'products')
  const cases: Array<[string, string]> = [
    ['', 'empty'],
    ['abc', 'no signature'],
    [`${cursor}.x`, 'three parts'],
    [`.${cursor.split('.')[1]}`, 'empty payload'],
    [`${cursor}=`, 'padding'],
    [cursor.replace('.', '.+'), 'not base64url'],
    [`${'A'.repeat(5000)}.${cursor.split('.')[1]}`, 'too long']
  ]
  for (const [input, name] of cases) rejects(t, input, 'products', name)
})

t.test('a correctly signed payload that is not a JSON object is rejected', async (t) => {
  // Signed the way the codec signs (HMAC-SHA256 over scope, NUL, payload), so only the content is wrong.
  const signed = (text: string) => {
    const payload = Buffer.from(text).toString('base64url')
    return `${payload}.${createHmac('sha256', secret).update('products\u0000').update(payload).digest('base64url')}`
  }
  t.same(codec.decode(signed('{"id":"a"}'), 'products'), { id: 'a' }, 'the scheme above is the codec’s')
  for (const text of ['[1,2]', 'null', '"id"', '7', '{"id":']) rejects(t, signed(text), 'products', text)
})

t.test('an empty secret is refused', async (t) => {
  t.throws(() => new CursorCodec(''))
})
