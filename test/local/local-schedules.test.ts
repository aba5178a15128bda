// Unit tests of the local EventBridge schedule expressions.
import t from 'tap'
import { rateToMs } from '../../src/local/schedules/schedules'

t.test('rate expressions', async (t) => {
  t.equal(rateToMs('rate(1 minute)'), 60_000)
  t.equal(rateToMs('rate(5 minutes)'), 300_000)
  t.equal(rateToMs('rate(2 hours)'), 7_200_000)
  t.equal(rateToMs('rate(1 day)'), 86_400_000)
  t.equal(rateToMs('cron(0 12 * * ? *)'), undefined, 'cron is not supported locally')
  t.equal(rateToMs('rate(minute)'), undefined)
})
