// EventBridge schedules of the embedded runtime: every function event of `Type: Schedule` with a
// `rate(...)` expression in template.yaml runs its function at that rate, with a scheduled-event
// shaped input. (cron(...) expressions are not supported locally and are reported at startup.)
import { randomUUID } from 'node:crypto'
import { resourcesOfType, type CloudFormationTemplate } from '../template/template'
import { LOCAL_ACCOUNT, LOCAL_REGION } from '../template/names'
import type { Log } from '../log'

const UNIT_MS: Record<string, number> = { minute: 60_000, minutes: 60_000, hour: 3_600_000, hours: 3_600_000, day: 86_400_000, days: 86_400_000 }

export function rateToMs(expression: string): number | undefined {
  const match = /^rate\((\d+) (minutes?|hours?|days?)\)$/.exec(expression.trim())
  return match ? Number(match[1]) * (UNIT_MS[match[2] as string] as number) : undefined
}

export interface Schedules {
  close(): void
}

export function startSchedules(
  template: CloudFormationTemplate,
  invoke: (functionLogicalId: string, event: unknown) => Promise<unknown>,
  log: Log,
  /** Runs every schedule at this interval instead of its rate (tests and recovery drills: EventBridge's minimum is one minute). */
  everyMsOverride?: number
): Schedules {
  const timers: NodeJS.Timeout[] = []
  for (const [functionId, fn] of resourcesOfType(template, 'AWS::Serverless::Function')) {
    const events = (fn.Properties?.Events ?? {}) as Record<string, { Type: string; Properties?: { Schedule?: string } }>
    for (const [eventName, event] of Object.entries(events)) {
      if (event.Type !== 'Schedule') continue
      const rate = rateToMs(String(event.Properties?.Schedule))
      if (!rate) {
        log.warn({ functionId, schedule: event.Properties?.Schedule }, 'schedule not supported locally; not run')
        continue
      }
      const everyMs = everyMsOverride ?? rate
      const timer = setInterval(() => {
        const scheduled = {
          version: '0',
          id: randomUUID(),
          'detail-type': 'Scheduled Event',
          source: 'aws.events',
          account: LOCAL_ACCOUNT,
          time: new Date().toISOString(),
          region: LOCAL_REGION,
          resources: [`arn:aws:events:${LOCAL_REGION}:${LOCAL_ACCOUNT}:rule/${functionId}-${eventName}`],
          detail: {}
        }
        invoke(functionId, scheduled).catch((error: unknown) => log.warn({ err: error, functionId }, 'scheduled run failed'))
      }, everyMs)
      timer.unref()
      timers.push(timer)
    }
  }
  return { close: () => timers.forEach((timer) => clearInterval(timer)) }
}
