// The operations rules of template.yaml (DESIGN.md section 9, issue 11), each a pure function from a
// parsed template to the problems it finds, so test/repo/template-operations.test.ts runs each on the real
// template (none) and on a copy broken on purpose (the problem is found).
import type { CloudFormationTemplate, TemplateResource } from '../../src/local/template/template'
import { METRICS_NAMESPACE, METRICS_SERVICE } from '../../src/adapters/aws/emf-metrics'
import { METRIC_UNITS } from '../../src/ports/metrics'

type Json = Record<string, unknown>

export const ALIAS = 'live'

const props = (resource: TemplateResource | undefined): Json => (resource?.Properties ?? {}) as Json
const ofType = (template: CloudFormationTemplate, type: string) => Object.entries(template.Resources).filter(([, resource]) => resource.Type === type)
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b)

/** An intrinsic as the text a dashboard's !Sub would hold: `${X}` for Ref, `${X.Attr}` for GetAtt, a Sub's string. */
export function subText(value: unknown): string {
  if (typeof value === 'string' || typeof value === 'number') return String(value)
  const intrinsic = (value ?? {}) as { Ref?: string; 'Fn::GetAtt'?: [string, string]; 'Fn::Sub'?: string }
  if (intrinsic.Ref) return `\${${intrinsic.Ref}}`
  if (intrinsic['Fn::GetAtt']) return `\${${intrinsic['Fn::GetAtt'].join('.')}}`
  if (typeof intrinsic['Fn::Sub'] === 'string') return intrinsic['Fn::Sub']
  return JSON.stringify(value)
}

export interface AlarmMetric {
  id: string
  namespace: string
  metric: string
  dimensions: Record<string, string>
  properties: Json
}

export function alarms(template: CloudFormationTemplate): AlarmMetric[] {
  return ofType(template, 'AWS::CloudWatch::Alarm').map(([id, resource]) => {
    const p = props(resource)
    const dimensions = Object.fromEntries(((p.Dimensions ?? []) as Array<{ Name: string; Value: unknown }>).map((d) => [d.Name, subText(d.Value)]))
    return { id, namespace: String(p.Namespace), metric: String(p.MetricName), dimensions, properties: p }
  })
}

/** Alarms on `metric` of `namespace` whose dimensions include `dimensions`, breaching at ≥ `atLeast` (when given). */
function alarmsOn(template: CloudFormationTemplate, namespace: string, metric: string, dimensions: Record<string, string>): AlarmMetric[] {
  return alarms(template).filter(
    (alarm) => alarm.namespace === namespace && alarm.metric === metric && Object.entries(dimensions).every(([name, value]) => alarm.dimensions[name] === value)
  )
}

const functionIds = (template: CloudFormationTemplate) => ofType(template, 'AWS::Serverless::Function').map(([id]) => id)

/** Queues some queue's RedrivePolicy or some event source's OnFailure destination sends failures to. */
export function deadLetterQueues(template: CloudFormationTemplate): string[] {
  const found = new Set<string>()
  const text = JSON.stringify(template.Resources)
  for (const [id] of ofType(template, 'AWS::SQS::Queue')) {
    const target = JSON.stringify({ 'Fn::GetAtt': [id, 'Arn'] })
    if (text.includes(`"deadLetterTargetArn":${target}`) || text.includes(`"Destination":${target}`)) found.add(id)
  }
  return [...found].sort()
}

// ---------------------------------------------------------------- alarms

export function alarmProblems(template: CloudFormationTemplate): string[] {
  const problems: string[] = []
  const topic = template.Resources.AlarmTopic
  if (topic?.Type !== 'AWS::SNS::Topic') problems.push('no AlarmTopic (SNS topic)')
  const email = template.Parameters?.AlarmEmail
  if (!email || email.Default !== '') problems.push('no AlarmEmail parameter defaulting to empty')
  const subscriptions = ofType(template, 'AWS::SNS::Subscription').filter(([, resource]) => same(props(resource).TopicArn, { Ref: 'AlarmTopic' }))
  const emailSubscription = subscriptions.find(([, resource]) => props(resource).Protocol === 'email' && same(props(resource).Endpoint, { Ref: 'AlarmEmail' }))
  if (!emailSubscription) problems.push('no email subscription of AlarmTopic to AlarmEmail')
  else {
    const condition = emailSubscription[1].Condition
    const definition = condition ? (template as { Conditions?: Json }).Conditions?.[condition] : undefined
    if (!same(definition, { 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'AlarmEmail' }, ''] }] })) problems.push('the alarm email subscription is not conditional on AlarmEmail being set')
  }

  for (const alarm of alarms(template)) {
    if (alarm.properties.TreatMissingData !== 'notBreaching') problems.push(`${alarm.id}: TreatMissingData is not notBreaching`)
    if (!JSON.stringify(alarm.properties.AlarmActions ?? []).includes('"Ref":"AlarmTopic"')) problems.push(`${alarm.id}: does not notify AlarmTopic`)
  }

  const breachesAtOne = (alarm: AlarmMetric) => alarm.properties.ComparisonOperator === 'GreaterThanOrEqualToThreshold' && Number(alarm.properties.Threshold) === 1
  for (const id of functionIds(template)) {
    for (const metric of ['Errors', 'Throttles']) {
      if (!alarmsOn(template, 'AWS/Lambda', metric, { FunctionName: `\${${id}}` }).some(breachesAtOne)) problems.push(`${id}: no ${metric} ≥ 1 alarm`)
    }
  }
  for (const queue of deadLetterQueues(template)) {
    const found = alarmsOn(template, 'AWS/SQS', 'ApproximateNumberOfMessagesVisible', { QueueName: `\${${queue}.QueueName}` })
    if (!found.some(breachesAtOne)) problems.push(`${queue}: no ApproximateNumberOfMessagesVisible ≥ 1 alarm`)
  }
  for (const [id] of ofType(template, 'AWS::Serverless::StateMachine')) {
    for (const metric of ['ExecutionsFailed', 'ExecutionsTimedOut']) {
      if (!alarmsOn(template, 'AWS/States', metric, { StateMachineArn: `\${${id}}` }).some(breachesAtOne)) problems.push(`${id}: no ${metric} ≥ 1 alarm`)
    }
  }
  for (const [id, api] of ofType(template, 'AWS::Serverless::Api')) {
    const dimensions = { ApiName: subText(props(api).Name), Stage: subText(props(api).StageName) }
    if (!props(api).Name) problems.push(`${id}: no Name (its metrics' ApiName)`)
    const rate = alarmsOn(template, 'AWS/ApiGateway', '5XXError', dimensions)
    if (!rate.some((alarm) => alarm.properties.Statistic === 'Average' && Number(alarm.properties.Threshold) < 1)) problems.push(`${id}: no 5xx rate alarm (Average of 5XXError below 1)`)
    if (!alarmsOn(template, 'AWS/ApiGateway', 'Latency', dimensions).some((alarm) => alarm.properties.ExtendedStatistic === 'p99')) problems.push(`${id}: no p99 latency alarm`)
  }
  // Business metrics: the namespace and dimensions the EMF adapter writes, metrics it knows.
  const business = { Service: METRICS_SERVICE, Stage: '${Stage}' }
  for (const metric of ['OutboxOldestEventAge', 'RefundsPending']) {
    if (alarmsOn(template, METRICS_NAMESPACE, metric, business).length === 0) problems.push(`no alarm on ${metric} (${METRICS_NAMESPACE}, Service ${METRICS_SERVICE}, Stage)`)
  }
  for (const alarm of alarms(template).filter((entry) => entry.namespace === METRICS_NAMESPACE)) {
    if (!(alarm.metric in METRIC_UNITS)) problems.push(`${alarm.id}: ${alarm.metric} is not a metric the services emit`)
    if (!same(alarm.dimensions, business)) problems.push(`${alarm.id}: dimensions are not exactly Service and Stage as the EMF adapter writes them`)
  }
  return problems
}

// ---------------------------------------------------------------- dashboard

/** Every metric an alarm watches is on the dashboard too, and every alarm is in its alarm widget. */
export function dashboardProblems(template: CloudFormationTemplate): string[] {
  const dashboards = ofType(template, 'AWS::CloudWatch::Dashboard')
  if (dashboards.length !== 1) return [`expected one dashboard, found ${dashboards.length}`]
  const body = (props(dashboards[0]?.[1]).DashboardBody as { 'Fn::Sub'?: unknown } | undefined)?.['Fn::Sub']
  if (typeof body !== 'string') return ['the dashboard body is not a !Sub string']
  let parsed: { widgets?: Array<{ type: string; properties: { metrics?: unknown[][]; alarms?: string[] } }> }
  try {
    parsed = JSON.parse(body) as typeof parsed
  } catch (error) {
    return [`the dashboard body is not JSON: ${(error as Error).message}`]
  }
  const widgets = parsed.widgets ?? []
  const lines = widgets.flatMap((widget) => widget.properties.metrics ?? []).map((line) => line.filter((item) => typeof item === 'string') as string[])
  const shown = new Set(widgets.flatMap((widget) => widget.properties.alarms ?? []))
  const problems: string[] = []
  for (const alarm of alarms(template)) {
    const onDashboard = lines.some(
      (line) => line[0] === alarm.namespace && line[1] === alarm.metric && Object.entries(alarm.dimensions).every(([name, value]) => line.some((item, i) => i >= 2 && item === name && line[i + 1] === value))
    )
    if (!onDashboard) problems.push(`${alarm.id}: ${alarm.namespace} ${alarm.metric} is not on the dashboard`)
    if (!shown.has(`\${${alarm.id}.Arn}`)) problems.push(`${alarm.id}: not in the dashboard's alarm widget`)
  }
  return problems
}

// ---------------------------------------------------------------- logs

export function logProblems(template: CloudFormationTemplate): string[] {
  const problems: string[] = []
  const groups = new Set(ofType(template, 'AWS::Logs::LogGroup').map(([id]) => id))
  const retention = template.Parameters?.LogRetentionDays
  if (!retention || Number(retention.Default) !== 30) problems.push('no LogRetentionDays parameter defaulting to 30')
  for (const [id, group] of ofType(template, 'AWS::Logs::LogGroup')) {
    if (!same(props(group).RetentionInDays, { Ref: 'LogRetentionDays' })) problems.push(`${id}: RetentionInDays is not LogRetentionDays`)
  }
  const isGroupRef = (value: unknown) => {
    const ref = (value as { Ref?: string } | undefined)?.Ref
    return ref !== undefined && groups.has(ref)
  }
  const isGroupArn = (value: unknown) => {
    const getAtt = (value as { 'Fn::GetAtt'?: [string, string] } | undefined)?.['Fn::GetAtt']
    return getAtt !== undefined && groups.has(getAtt[0]) && getAtt[1] === 'Arn'
  }
  for (const id of functionIds(template)) {
    const logging = props(template.Resources[id]).LoggingConfig as { LogGroup?: unknown } | undefined
    if (!isGroupRef(logging?.LogGroup)) problems.push(`${id}: LoggingConfig.LogGroup is not a log group of the template`)
  }
  const used = functionIds(template).map((id) => (props(template.Resources[id]).LoggingConfig as { LogGroup?: { Ref?: string } } | undefined)?.LogGroup?.Ref)
  if (new Set(used).size !== used.length) problems.push('two functions share a log group')
  for (const [id, machine] of ofType(template, 'AWS::Serverless::StateMachine')) {
    const logging = props(machine).Logging as { Level?: string; Destinations?: Array<{ CloudWatchLogsLogGroup?: { LogGroupArn?: unknown } }> } | undefined
    if (!logging?.Level || logging.Level === 'OFF' || !logging.Destinations?.some((destination) => isGroupArn(destination.CloudWatchLogsLogGroup?.LogGroupArn))) {
      problems.push(`${id}: no Logging to a log group of the template`)
    }
  }
  for (const [id, api] of ofType(template, 'AWS::Serverless::Api')) {
    const access = props(api).AccessLogSetting as { DestinationArn?: unknown; Format?: unknown } | undefined
    if (!isGroupArn(access?.DestinationArn)) problems.push(`${id}: access logs do not go to a log group of the template`)
    let format: Json | undefined
    try {
      format = JSON.parse(String(access?.Format)) as Json
    } catch {
      problems.push(`${id}: the access log format is not JSON`)
    }
    if (format && format.requestId !== '$context.requestId') problems.push(`${id}: the access log has no requestId`)
    const account = Object.entries(template.Resources).find(([, resource]) => resource.Type === 'AWS::ApiGateway::Account')
    if (!account || !props(account[1]).CloudWatchRoleArn) problems.push('no AWS::ApiGateway::Account with a CloudWatch role (access logging needs it)')
    else if (![template.Resources[id]?.DependsOn ?? []].flat().includes(account[0])) problems.push(`${id}: does not depend on ${account[0]} (the CloudWatch role access logging needs)`)
  }
  return problems
}

// ---------------------------------------------------------------- API edge

/** The house error shape from API Gateway's own responses; the stage's throttling from parameters. */
export function gatewayProblems(template: CloudFormationTemplate): string[] {
  const problems: string[] = []
  for (const [id, api] of ofType(template, 'AWS::Serverless::Api')) {
    const responses = (props(api).GatewayResponses ?? {}) as Record<string, { StatusCode?: unknown; ResponseTemplates?: Record<string, string> }>
    for (const type of ['DEFAULT_4XX', 'DEFAULT_5XX', 'THROTTLED']) if (!responses[type]) problems.push(`${id}: no GatewayResponse ${type}`)
    if (responses.THROTTLED && Number(responses.THROTTLED.StatusCode) !== 429) problems.push(`${id}: THROTTLED does not answer 429`)
    for (const [type, response] of Object.entries(responses)) {
      const body = response.ResponseTemplates?.['application/json']
      if (typeof body !== 'string') {
        problems.push(`${id}: ${type} has no application/json template`)
        continue
      }
      // As API Gateway renders it: messageString is already a quoted JSON string; other variables are plain text.
      const rendered = body.replaceAll('$context.error.messageString', '"Missing \\"Authentication\\" Token"').replace(/\$context\.[\w.]+/g, 'sample-id')
      try {
        const parsed = JSON.parse(rendered) as Json
        if (!same(Object.keys(parsed).sort(), ['error', 'message', 'requestId'])) problems.push(`${id}: ${type} is not {error, message, requestId}`)
        if (!body.includes('"requestId":"$context.requestId"')) problems.push(`${id}: ${type} requestId is not API Gateway's request id`)
        if (typeof parsed.error !== 'string' || !/^[A-Z][A-Za-z]+$/.test(parsed.error)) problems.push(`${id}: ${type} error is not a code`)
      } catch {
        problems.push(`${id}: ${type} is not JSON once rendered`)
      }
    }
    const settings = (props(api).MethodSettings ?? []) as Json[]
    const stage = settings.find((setting) => setting.ResourcePath === '/*' && setting.HttpMethod === '*')
    if (!stage || !same(stage.ThrottlingRateLimit, { Ref: 'ApiThrottlingRateLimit' }) || !same(stage.ThrottlingBurstLimit, { Ref: 'ApiThrottlingBurstLimit' })) {
      problems.push(`${id}: stage throttling is not taken from ApiThrottlingRateLimit and ApiThrottlingBurstLimit`)
    }
  }
  return problems
}

// ---------------------------------------------------------------- tracing

export function tracingProblems(template: CloudFormationTemplate): string[] {
  const problems: string[] = []
  if (template.Globals?.Function?.Tracing !== 'Active') problems.push('Globals.Function.Tracing is not Active')
  for (const id of functionIds(template)) {
    const own = props(template.Resources[id]).Tracing
    if (own !== undefined && own !== 'Active') problems.push(`${id}: Tracing is ${String(own)}`)
  }
  for (const [id, api] of ofType(template, 'AWS::Serverless::Api')) if (props(api).TracingEnabled !== true) problems.push(`${id}: TracingEnabled is not true`)
  for (const [id, machine] of ofType(template, 'AWS::Serverless::StateMachine')) {
    if ((props(machine).Tracing as { Enabled?: unknown } | undefined)?.Enabled !== true) problems.push(`${id}: Tracing is not enabled`)
  }
  for (const [id, topic] of ofType(template, 'AWS::SNS::Topic')) {
    if (props(topic).TracingConfig !== 'Active') problems.push(`${id}: TracingConfig is not Active`)
  }
  return problems
}

// ---------------------------------------------------------------- safe deploys

export function deployProblems(template: CloudFormationTemplate): string[] {
  const problems: string[] = []
  if (template.Globals?.Function?.AutoPublishAlias !== ALIAS) problems.push(`Globals.Function.AutoPublishAlias is not ${ALIAS}`)
  const type = template.Parameters?.DeploymentType as { Default?: unknown; AllowedValues?: unknown[] } | undefined
  if (!type || type.Default !== 'AllAtOnce' || !type.AllowedValues?.includes('Canary10Percent5Minutes')) {
    problems.push('no DeploymentType parameter (AllAtOnce by default, Canary10Percent5Minutes allowed)')
  }
  const byId = new Map(alarms(template).map((alarm) => [alarm.id, alarm]))
  const api5xx = new Set(alarms(template).filter((alarm) => alarm.namespace === 'AWS/ApiGateway' && alarm.metric === '5XXError').map((alarm) => alarm.id))
  for (const id of functionIds(template)) {
    const preference = props(template.Resources[id]).DeploymentPreference as { Type?: unknown; Alarms?: unknown[]; Enabled?: unknown } | undefined
    if (!preference || !same(preference.Type, { Ref: 'DeploymentType' }) || preference.Enabled === false) {
      problems.push(`${id}: no DeploymentPreference of type DeploymentType`)
      continue
    }
    const watched = (preference.Alarms ?? []).map((alarm) => byId.get((alarm as { Ref?: string }).Ref ?? ''))
    if (!watched.some((alarm) => alarm?.metric === 'Errors' && alarm.dimensions.FunctionName === `\${${id}}`)) problems.push(`${id}: its deploy does not roll back on its Errors alarm`)
    const events = Object.values((props(template.Resources[id]).Events ?? {}) as Record<string, { Type?: string }>)
    if (events.some((event) => event.Type === 'Api') && !watched.some((alarm) => alarm && api5xx.has(alarm.id))) problems.push(`${id}: its deploy does not roll back on the API 5xx alarm`)
  }
  for (const [id, machine] of ofType(template, 'AWS::Serverless::StateMachine')) {
    for (const [key, value] of Object.entries((props(machine).DefinitionSubstitutions ?? {}) as Json)) {
      const text = subText(value)
      const fn = /^\$\{(\w+)\.Arn\}(?::(\w+))?$/.exec(text)
      if (fn && template.Resources[fn[1] ?? '']?.Type === 'AWS::Serverless::Function' && fn[2] !== ALIAS) problems.push(`${id}: ${key} invokes ${fn[1]} itself, not its ${ALIAS} alias`)
    }
  }
  return problems
}
