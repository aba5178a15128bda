// The "re-read and decide again" loop of every optimistic write in the services: a conditional write
// that another writer beat is never forced through; the state is read again and the decision made
// again on it, a bounded number of times (a record that keeps changing gets a "try again" answer
// rather than an endless loop).

/** Rounds a lost race is re-read and decided again, unless a loop says otherwise. */
export const MAX_RACE_RETRIES = 5

/** What a round answers when its conditional write lost to another writer. */
export const LOST_RACE: unique symbol = Symbol('lost race')

export interface RaceLoop<S, T> {
  /** Reads the state to decide on (again after each lost race). */
  read: () => Promise<S>
  /** A state the caller has just read, decided on first instead of reading it again. */
  first?: S
  /** Decides on `state` and writes conditionally: the result, or LOST_RACE when another writer got there first. */
  decide: (state: S) => Promise<T | typeof LOST_RACE>
  /** The answer once every round lost (usually it throws a "try again" error), given the state read after the last one. */
  exhausted: (last: S) => T
  /** Rounds in all (default MAX_RACE_RETRIES). */
  attempts?: number
}

export async function retryOnRace<S, T>(loop: RaceLoop<S, T>): Promise<T> {
  const attempts = loop.attempts ?? MAX_RACE_RETRIES
  let state = loop.first !== undefined ? loop.first : await loop.read()
  for (let round = 1; ; round++) {
    const outcome = await loop.decide(state)
    if (outcome !== LOST_RACE) return outcome
    state = await loop.read()
    if (round >= attempts) return loop.exhausted(state)
  }
}
