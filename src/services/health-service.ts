// Liveness and readiness. Readiness runs every probe with a time limit so a hung dependency
// reports "down" instead of hanging the health check.
import type { ReadinessProbe } from '../ports/readiness'

export interface ReadinessReport {
  status: 'ok' | 'unavailable'
  checks: Record<string, 'ok' | 'down'>
}

export class HealthService {
  constructor(
    private readonly probes: ReadinessProbe[],
    private readonly timeoutMs = 2_000
  ) {}

  async readiness(): Promise<ReadinessReport> {
    const results = await Promise.all(
      this.probes.map(async (probe) => [probe.name, (await this.passes(probe)) ? 'ok' : 'down'] as const)
    )
    const checks = Object.fromEntries(results)
    return { status: results.every(([, state]) => state === 'ok') ? 'ok' : 'unavailable', checks }
  }

  private async passes(probe: ReadinessProbe): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('timeout')), this.timeoutMs)
    })
    try {
      await Promise.race([probe.check(), timeout])
      return true
    } catch {
      return false
    } finally {
      clearTimeout(timer)
    }
  }
}
