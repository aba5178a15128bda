// Unit tests of the local SQS queue, on an explicit clock: visibility timeout, receive counts, receipt
// handles, delivery delay, and redrive to the dead-letter queue after maxReceiveCount receives.
import t from 'tap'
import { Queue } from '../../src/local/sns-sqs/queue'
import type { QueueDefinition } from '../../src/local/sns-sqs/wiring'

const definition = (name: string, delaySeconds = 0): QueueDefinition => ({
  logicalId: name,
  name: `s-${name}`,
  arn: `arn:aws:sqs:local:000000000000:s-${name}`,
  url: `https://sqs.local.amazonaws.com/000000000000/s-${name}`,
  delaySeconds
})

t.test('a received message is invisible for the visibility timeout, then comes back with a higher count', async (t) => {
  const queue = new Queue(definition('Q'), 30_000)
  const id = queue.send({ body: 'hello', senderId: 'me' }, 1_000)
  const [first] = queue.receive(10, 1_000)
  t.equal(first?.messageId, id)
  t.equal(first?.attributes.ApproximateReceiveCount, '1')
  t.equal(first?.attributes.SentTimestamp, '1000')
  t.strictSame(queue.receive(10, 30_999), [], 'still in flight')
  t.equal(queue.nextVisibleAt(), 31_000)
  const [again] = queue.receive(10, 31_000)
  t.equal(again?.messageId, id)
  t.equal(again?.attributes.ApproximateReceiveCount, '2')
  t.equal(again?.attributes.ApproximateFirstReceiveTimestamp, '1000')
  t.not(again?.receiptHandle, first?.receiptHandle)

  t.notOk(queue.delete(first?.receiptHandle as string), 'an older receipt handle deletes nothing')
  t.equal(queue.depth, 1)
  t.ok(queue.delete(again?.receiptHandle as string))
  t.equal(queue.depth, 0)
})

t.test('changeVisibility makes a message receivable after the given delay', async (t) => {
  const queue = new Queue(definition('Q'), 30_000)
  queue.send({ body: 'x', senderId: 'me' }, 0)
  const [record] = queue.receive(1, 0)
  queue.changeVisibility(record?.receiptHandle as string, 10, 100)
  t.strictSame(queue.receive(1, 109), [])
  t.equal(queue.receive(1, 110).length, 1)
})

t.test('receive takes at most `max` visible messages, oldest first', async (t) => {
  const queue = new Queue(definition('Q'), 30_000)
  for (const body of ['a', 'b', 'c']) queue.send({ body, senderId: 'me' }, 0)
  t.strictSame(queue.receive(2, 0).map((record) => record.body), ['a', 'b'])
  t.strictSame(queue.receive(2, 0).map((record) => record.body), ['c'])
})

t.test('DelaySeconds postpones the first receive', async (t) => {
  const queue = new Queue(definition('Q', 5), 30_000)
  queue.send({ body: 'later', senderId: 'me' }, 0)
  t.strictSame(queue.receive(1, 4_999), [])
  t.equal(queue.receive(1, 5_000).length, 1)
})

t.test('after maxReceiveCount receives the message moves to the dead-letter queue instead of being received', async (t) => {
  const queue = new Queue(definition('Q'), 10)
  const dlq = new Queue(definition('Dlq'), 10)
  let notified = 0
  dlq.onAvailable(() => (notified += 1))
  queue.setDeadLetterQueue(dlq, 2)
  const poison = queue.send({ body: 'poison', senderId: 'me' }, 0)
  queue.send({ body: 'good', senderId: 'me' }, 100)
  t.equal(queue.receive(1, 0)[0]?.attributes.ApproximateReceiveCount, '1')
  t.equal(queue.receive(1, 10)[0]?.attributes.ApproximateReceiveCount, '2')
  t.strictSame(queue.receive(10, 100).map((record) => record.body), ['good'], 'the poison message is not received a third time')
  t.equal(notified, 1)
  const [dead] = dlq.peek()
  t.equal(dead?.messageId, poison, 'same message id')
  t.equal(dead?.body, 'poison')
  t.equal(dead?.attributes.SentTimestamp, '0', 'original send time')
  t.equal(dead?.attributes.DeadLetterQueueSourceArn, 'arn:aws:sqs:local:000000000000:s-Q')
  t.equal(dead?.eventSourceARN, 'arn:aws:sqs:local:000000000000:s-Dlq')
})
