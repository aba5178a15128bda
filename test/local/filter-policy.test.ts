// Unit tests of the local SNS filter policy matcher, on the examples of SNS's documentation: exact,
// prefix, suffix, anything-but, exists, numeric matching; AND across keys, OR within a key; both scopes.
import t from 'tap'
import type { MessageAttributeValue } from '@aws-sdk/client-sns'
import { compileFilterPolicy, FilterPolicyError } from '../../src/local/sns-sqs/filter-policy'

type Attributes = Record<string, MessageAttributeValue>
const str = (value: string): MessageAttributeValue => ({ DataType: 'String', StringValue: value })
const num = (value: string): MessageAttributeValue => ({ DataType: 'Number', StringValue: value })
const list = (value: unknown[]): MessageAttributeValue => ({ DataType: 'String.Array', StringValue: JSON.stringify(value) })

const byAttributes = (policy: unknown) => {
  const filter = compileFilterPolicy(policy)
  return (attributes: Attributes) => filter({ message: 'irrelevant', attributes })
}

t.test('exact string values: a list is OR; String.Array matches on any element', async (t) => {
  const matches = byAttributes({ eventType: ['PAYMENT_CONFIRMED', 'PAYMENT_FAILED'] })
  t.ok(matches({ eventType: str('PAYMENT_CONFIRMED') }))
  t.ok(matches({ eventType: str('PAYMENT_FAILED') }))
  t.notOk(matches({ eventType: str('PAYMENT_REFUNDED') }))
  t.notOk(matches({ eventType: str('payment_confirmed') }), 'case-sensitive')
  t.notOk(matches({}), 'absent attribute does not match')
  t.ok(matches({ eventType: list(['OTHER', 'PAYMENT_FAILED']) }))
  t.notOk(matches({ eventType: list(['OTHER']) }))
})

t.test('AND across keys', async (t) => {
  const matches = byAttributes({ eventType: ['ORDER_CREATED'], store: ['example_corp'] })
  t.ok(matches({ eventType: str('ORDER_CREATED'), store: str('example_corp') }))
  t.notOk(matches({ eventType: str('ORDER_CREATED') }))
  t.notOk(matches({ eventType: str('ORDER_CREATED'), store: str('other') }))
})

t.test('prefix, suffix and equals-ignore-case', async (t) => {
  const prefix = byAttributes({ eventType: [{ prefix: 'PAYMENT_' }] })
  t.ok(prefix({ eventType: str('PAYMENT_REFUNDED') }))
  t.notOk(prefix({ eventType: str('ORDER_CREATED') }))
  const suffix = byAttributes({ file: [{ suffix: '.png' }] })
  t.ok(suffix({ file: str('a.png') }))
  t.notOk(suffix({ file: str('a.jpg') }))
  const ignoreCase = byAttributes({ store: [{ 'equals-ignore-case': 'Example_Corp' }] })
  t.ok(ignoreCase({ store: str('EXAMPLE_corp') }))
  t.notOk(ignoreCase({ store: str('example') }))
})

t.test('anything-but: a value, a list, or a prefix; never an absent attribute', async (t) => {
  const one = byAttributes({ eventType: [{ 'anything-but': 'USER_CREATED' }] })
  t.ok(one({ eventType: str('ORDER_CREATED') }))
  t.notOk(one({ eventType: str('USER_CREATED') }))
  t.notOk(one({}), 'anything-but needs the attribute')
  const many = byAttributes({ interest: [{ 'anything-but': ['rugby', 'tennis'] }] })
  t.ok(many({ interest: str('baseball') }))
  t.notOk(many({ interest: str('tennis') }))
  t.ok(many({ interest: list(['rugby', 'baseball']) }), 'an array with a value outside the list matches')
  t.notOk(many({ interest: list(['rugby', 'tennis']) }))
  const notPrefix = byAttributes({ eventType: [{ 'anything-but': { prefix: 'PAYMENT_' } }] })
  t.ok(notPrefix({ eventType: str('ORDER_CREATED') }))
  t.notOk(notPrefix({ eventType: str('PAYMENT_FAILED') }))
  const numbers = byAttributes({ price: [{ 'anything-but': [100, 500] }] })
  t.ok(numbers({ price: num('101') }))
  t.notOk(numbers({ price: num('100') }))
  const orAbsent = byAttributes({ eventType: [{ 'anything-but': 'USER_CREATED' }, { exists: false }] })
  t.ok(orAbsent({}), 'combined with exists:false it matches an absent attribute')
})

t.test('exists', async (t) => {
  const present = byAttributes({ correlationId: [{ exists: true }] })
  t.ok(present({ correlationId: str('c-1') }))
  t.notOk(present({}))
  const absent = byAttributes({ correlationId: [{ exists: false }] })
  t.ok(absent({}))
  t.notOk(absent({ correlationId: str('c-1') }))
})

t.test('numeric equality and ranges apply to Number attributes only', async (t) => {
  const equal = byAttributes({ price_usd: [{ numeric: ['=', 301.5] }] })
  t.ok(equal({ price_usd: num('301.5') }))
  t.ok(equal({ price_usd: num('3.015e2') }))
  t.notOk(equal({ price_usd: num('301') }))
  t.notOk(equal({ price_usd: str('301.5') }), 'a String attribute is not a number')
  const range = byAttributes({ price_usd: [{ numeric: ['>', 0, '<=', 150] }] })
  t.ok(range({ price_usd: num('150') }))
  t.ok(range({ price_usd: num('0.01') }))
  t.notOk(range({ price_usd: num('0') }))
  t.notOk(range({ price_usd: num('150.5') }))
  const exact = byAttributes({ version: [1] })
  t.ok(exact({ version: num('1') }))
  t.notOk(exact({ version: str('1') }))
})

t.test('Binary attributes are ignored', async (t) => {
  const matches = byAttributes({ blob: [{ exists: true }] })
  t.notOk(matches({ blob: { DataType: 'Binary', BinaryValue: new Uint8Array([1]) } }))
})

t.test('$or of two policies', async (t) => {
  const matches = byAttributes({ $or: [{ eventType: ['A'] }, { source: ['s'] }] })
  t.ok(matches({ eventType: str('A') }))
  t.ok(matches({ source: str('s') }))
  t.notOk(matches({ eventType: str('B'), source: str('x') }))
})

t.test('MessageBody scope: nested keys over the JSON body; JSON text policies', async (t) => {
  const filter = compileFilterPolicy('{"eventType": ["PAYMENT_FAILED"], "data": {"amount": [{"numeric": [">=", 10000]}]}}', 'MessageBody')
  const body = (value: unknown) => filter({ message: JSON.stringify(value) })
  t.ok(body({ eventType: 'PAYMENT_FAILED', data: { amount: 10000 } }))
  t.notOk(body({ eventType: 'PAYMENT_FAILED', data: { amount: 9999 } }))
  t.notOk(body({ eventType: 'PAYMENT_CONFIRMED', data: { amount: 20000 } }))
  t.notOk(body({ eventType: 'PAYMENT_FAILED' }))
  t.ok(body({ eventType: 'PAYMENT_FAILED', data: [{ amount: 1 }, { amount: 20000 }] }), 'arrays of objects match on any element')
  t.notOk(filter({ message: 'not json' }))
  t.notOk(filter({ message: '"a string"' }))
  t.notOk(
    compileFilterPolicy({ eventType: ['X'] }, 'MessageBody')({ message: '{"other":1}', attributes: { eventType: str('X') } }),
    'body scope ignores attributes'
  )
})

t.test('policies SNS would reject, or operators not emulated, throw', async (t) => {
  const invalid: unknown[] = [
    { eventType: 'PAYMENT_FAILED' },
    { eventType: [] },
    { data: { amount: [1] } },
    { price: [{ numeric: ['<', 'ten'] }] },
    { price: [{ numeric: ['<', 10, '>', 0] }] },
    { price: [{ numeric: ['~', 1] }] },
    { ip: [{ cidr: '10.0.0.0/24' }] },
    { name: [{ prefix: 1 }] },
    { name: [{ prefix: 'a', suffix: 'b' }] },
    { $or: [{ a: ['x'] }] },
    ['not an object']
  ]
  for (const policy of invalid) t.throws(() => compileFilterPolicy(policy), FilterPolicyError, JSON.stringify(policy))
})
