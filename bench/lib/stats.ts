// Summary statistics for benchmark samples.

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of no values')
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2
}

/**
 * Completions per second of a closed loop, from the completion times within its window (ms since
 * its start): the count divided by the time of the last one, not by the window. N clients sharing
 * one CPU finish in bursts of N, and dividing by the window would count a whole burst or none
 * depending on where the window happens to end.
 */
export function closedLoopRate(completionTimesMs: readonly number[]): number {
  const last = Math.max(...completionTimesMs)
  if (!completionTimesMs.length || last <= 0) throw new Error('a rate needs at least one completion after the start')
  return completionTimesMs.length / (last / 1000)
}
