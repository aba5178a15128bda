// Port: counters of recent attempts (failed logins) in fixed time windows, shared by every instance.
export interface AttemptCounter {
  /** Attempts recorded for `key` in the current window, and seconds until the window ends. */
  current(key: string): Promise<{ count: number; resetsInSeconds: number }>
  increment(key: string): Promise<void>
  reset(key: string): Promise<void>
}
