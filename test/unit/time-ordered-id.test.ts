// The correlation ids generated for requests without one (src/plugins/time-ordered-id.ts): UUIDv7
// strings, ordered and unique, from a clock the test controls.
import t from 'tap'
import { timeOrderedIdGenerator } from '../../src/plugins/time-ordered-id'

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
const timestampOf = (id: string) => parseInt(id.slice(0, 8) + id.slice(9, 13), 16)

t.test('a UUIDv7 carrying the millisecond it was made', async (t) => {
  const id = timeOrderedIdGenerator(() => 1_796_105_374_989)()
  t.match(id, UUID_V7)
  t.equal(timestampOf(id), 1_796_105_374_989)
  const now = Date.now()
  t.ok(Math.abs(timestampOf(timeOrderedIdGenerator()()) - now) < 5_000, 'the real clock by default')
})

t.test('ordered and unique within a millisecond, past 4,096 ids in one, and when the clock goes back', async (t) => {
  const clock = { ms: 1_000_000 }
  const next = timeOrderedIdGenerator(() => clock.ms)
  const ids: string[] = []
  for (let i = 0; i < 10_000; i++) ids.push(next())
  clock.ms -= 500
  for (let i = 0; i < 10; i++) ids.push(next())
  clock.ms += 10_000
  ids.push(next())
  t.ok(ids.every((id) => UUID_V7.test(id)), 'every id well formed')
  t.equal(new Set(ids).size, ids.length, 'no id twice')
  t.same([...ids].sort(), ids, 'string order is creation order')
  t.equal(timestampOf(ids[0] ?? ''), 1_000_000)
  t.equal(timestampOf(ids[9_999] ?? ''), 1_000_002, '10,000 ids in one millisecond borrow the next two')
  t.equal(timestampOf(ids.at(-1) ?? ''), 1_009_500, 'back on the clock once it is ahead again')
})

t.test('two generators (two processes) differ in their random bits', async (t) => {
  const a = timeOrderedIdGenerator(() => 42)()
  const b = timeOrderedIdGenerator(() => 42)()
  t.not(a, b)
  t.equal(a.slice(0, 19), b.slice(0, 19), 'same time and counter')
})
