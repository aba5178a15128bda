// Port: rate limits on attempts (logins, registrations), shared by every instance. An attempt is
// reserved atomically before the work it guards, so concurrent attempts cannot all pass a check
// made before any of them is counted.
export type Reservation =
  | { granted: true; /** Gives the attempt back (it is not to count, e.g. a successful login). */ release(): Promise<void> }
  | { granted: false; retryAfterSeconds: number }

export interface AttemptCounter {
  /** Counts one attempt for `key` unless `limit` attempts are already counted in the window. */
  reserve(key: string, limit: number): Promise<Reservation>
  /** Forgets every attempt counted for `key`. */
  reset(key: string): Promise<void>
}
