// template.yaml's operations rules (DESIGN.md section 9, issue 11): alarms to AlarmTopic for the API,
// every function, every dead-letter queue, the saga and the business metrics; a dashboard with the
// same figures; a log group with retention for everything that logs; API Gateway's own errors in the
// house shape and its throttling from parameters; X-Ray everywhere; gradual deploys rolled back by
// the alarms. Each rule runs on the real template (no problem) and on a copy broken on purpose.
import t, { type Test } from 'tap'
import { join } from 'node:path'
import { projectRootFrom } from '../../src/infra/project-root'
import { loadTemplate, type CloudFormationTemplate, type TemplateResource } from '../../src/local/template/template'
import {
  alarmProblems,
  dashboardProblems,
  deadLetterQueues,
  deployProblems,
  gatewayProblems,
  logProblems,
  tracingProblems
} from '../helpers/template-operations'

const template = loadTemplate(join(projectRootFrom(import.meta.url), 'template.yaml'))

type Check = (template: CloudFormationTemplate) => string[]
type Json = Record<string, unknown>

function broken(edit: (copy: CloudFormationTemplate) => void): CloudFormationTemplate {
  const copy = structuredClone(template)
  edit(copy)
  return copy
}
const resource = (copy: CloudFormationTemplate, id: string) => copy.Resources[id] as TemplateResource
const properties = (copy: CloudFormationTemplate, id: string) => resource(copy, id).Properties as Json

function rejects(t: Test, check: Check, cases: Array<[string, CloudFormationTemplate, RegExp]>): void {
  for (const [what, copy, expected] of cases) {
    const problems = check(copy)
    t.ok(problems.some((problem) => expected.test(problem)), `rejects ${what}`, { problems })
  }
}

t.test('alarms: API 5xx rate and p99, each function errors and throttles, each DLQ, the saga, outbox age, stuck refunds', async (t) => {
  t.same(alarmProblems(template), [])
  t.same(deadLetterQueues(template), ['NotificationDeadLetterQueue', 'OrderEventsDeadLetterQueue', 'OutboxRelayDeadLetterQueue'], 'the DLQs (redrive targets and on-failure destinations)')
  rejects(t, alarmProblems, [
    ['a function without a Throttles alarm', broken((copy) => delete copy.Resources.NotificationFunctionThrottlesAlarm), /NotificationFunction: no Throttles/],
    ['a new function without alarms', broken((copy) => (copy.Resources.ExtraFunction = { Type: 'AWS::Serverless::Function', Properties: {} })), /ExtraFunction: no Errors/],
    ['a DLQ without an alarm', broken((copy) => delete copy.Resources.OrderEventsDeadLetterQueueAlarm), /OrderEventsDeadLetterQueue: no Approximate/],
    ['a new DLQ without an alarm', broken((copy) => {
      copy.Resources.ExtraQueue = { Type: 'AWS::SQS::Queue', Properties: { RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': ['ExtraDlq', 'Arn'] }, maxReceiveCount: 3 } } }
      copy.Resources.ExtraDlq = { Type: 'AWS::SQS::Queue', Properties: {} }
    }), /ExtraDlq: no Approximate/],
    ['missing data treated as breaching', broken((copy) => (properties(copy, 'Api5xxAlarm').TreatMissingData = 'breaching')), /Api5xxAlarm: TreatMissingData/],
    ['an alarm that notifies nobody', broken((copy) => delete properties(copy, 'OutboxAgeAlarm').AlarmActions), /OutboxAgeAlarm: does not notify/],
    ['no p99 latency alarm', broken((copy) => (properties(copy, 'ApiLatencyP99Alarm').ExtendedStatistic = 'p90')), /no p99 latency/],
    ['a 5xx count instead of a rate', broken((copy) => (properties(copy, 'Api5xxAlarm').Statistic = 'Sum')), /no 5xx rate/],
    ['no ExecutionsTimedOut alarm', broken((copy) => delete copy.Resources.OrderProcessingTimedOutAlarm), /ExecutionsTimedOut/],
    ['no stuck-refunds alarm', broken((copy) => delete copy.Resources.RefundsPendingAlarm), /no alarm on RefundsPending/],
    ['a business alarm on a dimension the code never writes', broken((copy) => (properties(copy, 'OutboxAgeAlarm').Dimensions as Json[]).push({ Name: 'FunctionName', Value: 'x' })), /OutboxAgeAlarm: dimensions/],
    ['a business alarm on a metric the code never emits', broken((copy) => (properties(copy, 'OutboxAgeAlarm').MetricName = 'OutboxAge')), /not a metric the services emit/],
    ['an unconditional alarm email', broken((copy) => delete resource(copy, 'AlarmEmailSubscription').Condition), /not conditional/]
  ])
})

t.test('the dashboard shows every alarm and the metric of every alarm', async (t) => {
  t.same(dashboardProblems(template), [])
  rejects(t, dashboardProblems, [
    ['an alarm whose metric is not on it', broken((copy) => {
      copy.Resources.ExtraAlarm = { Type: 'AWS::CloudWatch::Alarm', Properties: { Namespace: 'AWS/SQS', MetricName: 'NumberOfMessagesSent', Dimensions: [] } }
    }), /ExtraAlarm: AWS\/SQS NumberOfMessagesSent is not on the dashboard/],
    ['an alarm missing from the alarm widget', broken((copy) => {
      const body = properties(copy, 'OperationsDashboard').DashboardBody as { 'Fn::Sub': string }
      body['Fn::Sub'] = body['Fn::Sub'].replace('"${OutboxAgeAlarm.Arn}", ', '')
    }), /OutboxAgeAlarm: not in the dashboard's alarm widget/]
  ])
})

t.test('logs: one log group per function, the state machine and the API access logs, all with LogRetentionDays; JSON access logs with the request id', async (t) => {
  t.same(logProblems(template), [])
  rejects(t, logProblems, [
    ['a log group kept forever', broken((copy) => delete properties(copy, 'OrderSagaFunctionLogGroup').RetentionInDays), /OrderSagaFunctionLogGroup: RetentionInDays/],
    ['a function logging to its default group', broken((copy) => delete properties(copy, 'OrderEventsFunction').LoggingConfig), /OrderEventsFunction: LoggingConfig/],
    ['a state machine without logging', broken((copy) => delete properties(copy, 'OrderProcessingStateMachine').Logging), /OrderProcessingStateMachine: no Logging/],
    ['no access logs', broken((copy) => delete properties(copy, 'Api').AccessLogSetting), /access logs/],
    ['access logs without the request id', broken((copy) => ((properties(copy, 'Api').AccessLogSetting as Json).Format = '{"status":"$context.status"}')), /no requestId/],
    ['access logs that are not JSON', broken((copy) => ((properties(copy, 'Api').AccessLogSetting as Json).Format = '$context.requestId $context.status')), /not JSON/]
  ])
})

t.test("API Gateway's own answers are {error, message, requestId}; stage throttling comes from parameters", async (t) => {
  t.same(gatewayProblems(template), [])
  const responses = (copy: CloudFormationTemplate) => properties(copy, 'Api').GatewayResponses as Record<string, { ResponseTemplates: Json; StatusCode?: unknown }>
  rejects(t, gatewayProblems, [
    ['no THROTTLED response', broken((copy) => delete responses(copy).THROTTLED), /no GatewayResponse THROTTLED/],
    ['THROTTLED answering 400', broken((copy) => (responses(copy).THROTTLED = { ...responses(copy).THROTTLED, StatusCode: 400 } as never)), /THROTTLED does not answer 429/],
    ['a body in another shape', broken((copy) => ((responses(copy).DEFAULT_5XX as { ResponseTemplates: Json }).ResponseTemplates['application/json'] = '{"message":$context.error.messageString}')), /DEFAULT_5XX is not \{error, message, requestId\}/],
    ['a body that is not JSON once rendered', broken((copy) => ((responses(copy).DEFAULT_4XX as { ResponseTemplates: Json }).ResponseTemplates['application/json'] = '{"error":"BadRequest","message":"$context.error.messageString","requestId":"$context.requestId"}')), /DEFAULT_4XX is not JSON/],
    ['fixed throttling', broken((copy) => (((properties(copy, 'Api').MethodSettings as Json[])[0] as Json).ThrottlingRateLimit = 100)), /stage throttling/]
  ])
})

t.test('X-Ray: functions, the API, the state machine and the SNS topics trace', async (t) => {
  t.same(tracingProblems(template), [])
  rejects(t, tracingProblems, [
    ['functions not tracing', broken((copy) => (copy.Globals = { Function: { ...copy.Globals?.Function, Tracing: 'PassThrough' } })), /Globals.Function.Tracing/],
    ['a topic not tracing', broken((copy) => delete properties(copy, 'PaymentEventsTopic').TracingConfig), /PaymentEventsTopic: TracingConfig/],
    ['the API not tracing', broken((copy) => (properties(copy, 'Api').TracingEnabled = false)), /Api: TracingEnabled/],
    ['the state machine not tracing', broken((copy) => delete properties(copy, 'OrderProcessingStateMachine').Tracing), /OrderProcessingStateMachine: Tracing/]
  ])
})

t.test('safe deploys: a live alias, gradual deploys rolled back by each function errors (and the API 5xx) alarm; the saga runs the alias', async (t) => {
  t.same(deployProblems(template), [])
  rejects(t, deployProblems, [
    ['no alias', broken((copy) => delete copy.Globals?.Function?.AutoPublishAlias), /AutoPublishAlias/],
    ['a function deployed all at once whatever the parameter', broken((copy) => delete properties(copy, 'RecoverySweeperFunction').DeploymentPreference), /RecoverySweeperFunction: no DeploymentPreference/],
    ['a deploy that ignores its errors', broken((copy) => ((properties(copy, 'NotificationFunction').DeploymentPreference as Json).Alarms = [])), /NotificationFunction: its deploy does not roll back on its Errors/],
    ['an API deploy that ignores 5xx', broken((copy) => ((properties(copy, 'ApiFunction').DeploymentPreference as Json).Alarms = [{ Ref: 'ApiFunctionErrorsAlarm' }])), /ApiFunction: its deploy does not roll back on the API 5xx/],
    ['the saga invoking the unaliased function', broken((copy) => ((properties(copy, 'OrderProcessingStateMachine').DefinitionSubstitutions as Json).OrderSagaFunctionArn = { 'Fn::GetAtt': ['OrderSagaFunction', 'Arn'] })), /invokes OrderSagaFunction itself/]
  ])
})
