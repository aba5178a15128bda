// The bounded "re-read and decide again" loop (src/services/race-retry.ts) that the services' optimistic
// writes share: how many rounds, what is read when, and what answers once every round lost.
import t from 'tap'
import { LOST_RACE, MAX_RACE_RETRIES, retryOnRace } from '../../src/services/race-retry'

/** A state store that changes on every read, and a log of what the loop did. */
function world() {
  let version = 0
  const log: string[] = []
  return {
    log,
    read: async () => {
      version++
      log.push(`read ${version}`)
      return version
    }
  }
}

t.test('a round that wins answers at once; without `first` the state is read before the first round', async (t) => {
  const { log, read } = world()
  const result = await retryOnRace({ read, decide: async (state) => `decided on ${state}`, exhausted: () => 'never' })
  t.equal(result, 'decided on 1')
  t.same(log, ['read 1'])
})

t.test('`first` is decided on without a read; a lost race reads again and decides on the new state', async (t) => {
  const { log, read } = world()
  const decided: number[] = []
  const result = await retryOnRace({
    first: 100,
    read,
    decide: async (state) => {
      decided.push(state)
      return decided.length < 3 ? LOST_RACE : `won on ${state}`
    },
    exhausted: () => 'never'
  })
  t.equal(result, 'won on 2')
  t.same(decided, [100, 1, 2])
  t.same(log, ['read 1', 'read 2'])
})

t.test('bounded: after `attempts` lost rounds, `exhausted` answers with the state read after the last one', async (t) => {
  for (const attempts of [1, 3, undefined]) {
    const { read } = world()
    let rounds = 0
    const error = await retryOnRace({
      read,
      attempts,
      decide: async () => {
        rounds++
        return LOST_RACE
      },
      exhausted: (last) => {
        throw new Error(`still changing at ${last}`)
      }
    }).catch((caught: unknown) => caught)
    const expected = attempts ?? MAX_RACE_RETRIES
    t.equal(rounds, expected, `${expected} rounds`)
    t.match(error, { message: `still changing at ${expected + 1}` })
  }
  const { read } = world()
  t.equal(await retryOnRace({ read, attempts: 2, decide: async () => LOST_RACE, exhausted: () => 'gave up' }), 'gave up', 'exhausted may answer instead of throwing')
})

t.test('an error of a round (a refusal, not a lost race) ends the loop', async (t) => {
  const { read } = world()
  let rounds = 0
  await t.rejects(
    retryOnRace({
      read,
      decide: async () => {
        rounds++
        throw new Error('cannot')
      },
      exhausted: () => 'never'
    }),
    { message: 'cannot' }
  )
  t.equal(rounds, 1)
})
