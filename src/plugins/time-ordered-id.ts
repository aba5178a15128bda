// Correlation ids for requests that bring none: UUIDs of version 7 (RFC 9562), which sort by the time
// they were made, so a log search by id range is a search by time. Made for every such request, so
// they cost a clock read and a string, not 16 fresh random bytes (randomUUID): the 62 random bits
// are drawn once per generator, and a 12-bit counter tells apart the ids of one millisecond (RFC 9562
// section 6.2, method 1). Unique within a generator; across processes, by their random bits.
import { randomBytes } from 'node:crypto'

const COUNTER_MAX = 0xfff

export type IdGenerator = () => string

/**
 * A generator of UUIDv7 strings, strictly increasing in string order. More than 4,096 ids in one
 * millisecond move its timestamp on by one (the ids stay ordered and unique; their time runs ahead
 * until the clock catches up). A clock that goes back keeps the last timestamp for the same reason.
 */
export function timeOrderedIdGenerator(now: () => number = Date.now): IdGenerator {
  const random = randomBytes(8)
  // The variant bits (10) lead the last 8 bytes.
  random[0] = ((random[0] ?? 0) & 0x3f) | 0x80
  const tail = `-${random.toString('hex', 0, 2)}-${random.toString('hex', 2)}`
  let lastMs = -1
  let counter = 0
  let head = ''
  return () => {
    const ms = now()
    if (ms > lastMs) {
      lastMs = ms
      counter = 0
      head = headOf(ms)
    } else if (++counter > COUNTER_MAX) {
      lastMs += 1
      counter = 0
      head = headOf(lastMs)
    }
    return `${head}${(0x7000 | counter).toString(16)}${tail}`
  }
}

/** The 48-bit millisecond timestamp as the UUID's first two groups, and the third group's separator. */
function headOf(ms: number): string {
  const hex = ms.toString(16).padStart(12, '0')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-`
}
