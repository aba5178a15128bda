// The baseline of the auth benchmark: bcryptjs's async compare of a right password (the work of a
// login) run back to back by CONCURRENCY loops for SECONDS, in a process with nothing else to do.
// Usage: node bench/lib/bcrypt-compare-loop.mjs <cost> <concurrency> <seconds> <password>
// Prints one JSON line: {"completionsMs":[…]}, each compare's completion time in ms from the start.
import bcrypt from 'bcryptjs'

const [cost, concurrency, seconds] = process.argv.slice(2, 5).map(Number)
const password = process.argv[5]
if (!cost || !concurrency || !seconds || !password) throw new Error('usage: bcrypt-compare-loop.mjs <cost> <concurrency> <seconds> <password>')
const windowMs = seconds * 1000
const hash = await bcrypt.hash(password, cost)
const completionsMs = []
const started = performance.now()

// Compares still running at the end are dropped, as autocannon drops requests in flight.
setTimeout(() => {
  process.stdout.write(`${JSON.stringify({ completionsMs })}\n`, () => process.exit(0))
}, windowMs)

const loop = async () => {
  for (;;) {
    if (!(await bcrypt.compare(password, hash))) throw new Error('bcrypt.compare rejected the right password')
    const at = performance.now() - started
    if (at <= windowMs) completionsMs.push(at)
  }
}
for (let i = 0; i < concurrency; i++) void loop()
