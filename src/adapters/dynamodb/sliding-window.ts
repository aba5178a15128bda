// The arithmetic of a sliding window approximated from two adjacent fixed windows (the previous
// window's count weighted by how much of it still overlaps the sliding window). Unlike aligned fixed
// windows, a burst just before a boundary still counts just after it: within y seconds after a
// boundary at most limit·(1 + y/window) attempts are granted, never 2× the limit in a short burst.

export interface WindowPosition {
  /** Start of the current fixed window, in whole seconds. */
  startSeconds: number
  /** Fraction of the current window already elapsed, in [0, 1). */
  elapsed: number
}

export function positionAt(nowMs: number, windowSeconds: number): WindowPosition {
  const windowMs = windowSeconds * 1000
  const startMs = Math.floor(nowMs / windowMs) * windowMs
  return { startSeconds: startMs / 1000, elapsed: (nowMs - startMs) / windowMs }
}

/** How many attempts the current window may hold in all, given the previous window's count. */
export function allowanceInCurrent(limit: number, previousCount: number, elapsed: number): number {
  // Granting one more needs ceil(previous·(1 − elapsed)) + current + 1 ≤ limit.
  return limit - Math.ceil(previousCount * (1 - elapsed))
}

/** Seconds until one more attempt would be granted, if none is made meanwhile (at least 1). */
export function retryAfterSeconds(limit: number, previousCount: number, currentCount: number, nowMs: number, windowSeconds: number): number {
  const { startSeconds, elapsed } = positionAt(nowMs, windowSeconds)
  const windowMs = windowSeconds * 1000
  let atMs: number
  const room = limit - 1 - currentCount
  if (room >= 0 && previousCount > 0) {
    // Later in this window: needs previous·(1 − e) ≤ room.
    atMs = startSeconds * 1000 + Math.max(elapsed, 1 - room / previousCount) * windowMs
  } else if (room >= 0) {
    atMs = nowMs
  } else {
    // In the next window, where this window's count is the previous one: needs current·(1 − e) ≤ limit − 1.
    atMs = (startSeconds + windowSeconds) * 1000 + (1 - (limit - 1) / currentCount) * windowMs
  }
  return Math.max(1, Math.ceil((atMs - nowMs) / 1000))
}
