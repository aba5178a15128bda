// template.yaml is checked before any deploy (issue 11): every reference names something declared,
// every Handler is a file the build writes and that exports the handler, the tables whose items
// matter outlive the stack, and cfn-lint (AWS's linter: SAM's own transform plus the CloudFormation
// resource schemas) finds nothing. Each check also runs on a copy broken on purpose, which it must reject.
import t from 'tap'
import { spawnSync } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, relative, resolve } from 'node:path'
import { build, lambdaFootprints } from '../../scripts/build.mjs'
import { projectRootFrom } from '../../src/infra/project-root'
import { parseTemplate, type CloudFormationTemplate } from '../../src/local/template/template'
import { functionGrants, handlerProblems, referenceProblems, RETAINED_TABLES, retentionProblems, type BuildMetafile } from '../helpers/template-checks'

const root = projectRootFrom(import.meta.url)
const templateText = await readFile(join(root, 'template.yaml'), 'utf8')
const template = parseTemplate(templateText)

/** The template with one text edit; the edit must apply (else the broken copy proves nothing). */
function brokenText(from: string, to: string): string {
  if (!templateText.includes(from)) throw new Error(`template.yaml no longer contains ${JSON.stringify(from)}: update this test`)
  return templateText.replace(from, to)
}

function cloned(edit: (copy: CloudFormationTemplate) => void): CloudFormationTemplate {
  const copy = structuredClone(template)
  edit(copy)
  return copy
}

t.test('every Ref, GetAtt, ${} of a Sub, DependsOn and Condition names something the template declares', async (t) => {
  t.same(referenceProblems(template), [], 'template.yaml')
  const resource = (copy: CloudFormationTemplate, id: string) => copy.Resources[id] as NonNullable<CloudFormationTemplate['Resources'][string]>
  const broken: Array<[string, CloudFormationTemplate, RegExp]> = [
    ['a Ref to a missing parameter', parseTemplate(brokenText('!Ref AdminEmails', '!Ref AdminEmail')), /Ref to AdminEmail,/],
    ['a GetAtt of a missing resource', parseTemplate(brokenText('!GetAtt OutboxTable.StreamArn', '!GetAtt OutboxTabel.StreamArn')), /GetAtt of OutboxTabel/],
    ['a ${X.Attr} of a missing resource in a Sub', parseTemplate(brokenText("!Sub '${UsersTable.Arn}/index/byId'", "!Sub '${UserTable.Arn}/index/byId'")), /GetAtt of UserTable/],
    ['a ${X} of a missing name in a Sub', parseTemplate(brokenText('parameter${JwtSecretParameter}', 'parameter${JwtSecret}')), /Ref to JwtSecret,/],
    ['a missing pseudo parameter', parseTemplate(brokenText('${AWS::StackName}-users', '${AWS::Stack}-users')), /Ref to AWS::Stack,/],
    ['a DependsOn a missing resource', cloned((copy) => { resource(copy, 'ApiFunction').DependsOn = 'NoSuchQueue' }), /DependsOn: NoSuchQueue/],
    ['a Condition not declared', cloned((copy) => { resource(copy, 'NotificationQueue').Condition = 'NoSuchCondition' }), /condition NoSuchCondition/]
  ]
  for (const [what, copy, expected] of broken) t.match(referenceProblems(copy).join('\n'), expected, `found: ${what}`)
  // A Sub's own variables and escaped ${!Literal} are not references.
  const local = cloned((copy) => {
    resource(copy, 'Api').Properties = { ...resource(copy, 'Api').Properties, Description: { 'Fn::Sub': ['${Name} ${!Literal}', { Name: { Ref: 'Stage' } }] } }
  })
  t.same(referenceProblems(local), [], "a Sub's variables and ${!Literal} are not references")
})

// One build (scripts/build.mjs) into a folder of this test's own, as `npm run build` writes dist/.
const outdir = await mkdtemp(join(tmpdir(), 'template-handlers-'))
t.teardown(() => rm(outdir, { recursive: true, force: true }))
await build({ quiet: true, outdir })
const meta = JSON.parse(await readFile(join(outdir, 'meta.json'), 'utf8')) as BuildMetafile & { outputs: Record<string, { inputs: Record<string, unknown> }> }
// The metafile names outputs relative to the project; the checks want them relative to the build folder.
const outputPath = (file: string) => relative(outdir, resolve(root, file)).split('\\').join('/')

t.test("every function's Handler is a file of the build that exports the handler", async (t) => {
  t.same(handlerProblems(template, outdir, meta, outputPath), [], 'template.yaml')
  const missingFile = parseTemplate(brokenText('Handler: workers/outbox-relay.handler', 'Handler: workers/outbox-relays.handler'))
  t.match(handlerProblems(missingFile, outdir, meta, outputPath), [/OutboxRelayFunction: Handler workers\/outbox-relays.handler: no workers\/outbox-relays.mjs/])
  const missingExport = parseTemplate(brokenText('Handler: lambda.handler', 'Handler: lambda.main'))
  t.match(handlerProblems(missingExport, outdir, meta, outputPath), [/ApiFunction: Handler lambda.main: lambda.mjs does not export main/])
  const ownCode = cloned((copy) => {
    const fn = copy.Resources.OrderEventsFunction
    if (fn?.Properties) fn.Properties.CodeUri = 'src/'
  })
  t.match(handlerProblems(ownCode, outdir, meta, outputPath), [/OrderEventsFunction: its own CodeUri/])
})

t.test("a function is granted SES, Step Functions or SSM exactly when its bundle holds that client's adapter", async (t) => {
  // The other direction of template-iam.test.ts's lists: a bundle without the adapter cannot make the
  // call (an unused grant); a bundle with it makes it somewhere (a missing grant is an AccessDenied).
  const clients: Record<string, string> = {
    'src/adapters/aws/ses-mailer.ts': 'ses:',
    'src/adapters/aws/sfn-workflow.ts': 'states:',
    'src/adapters/aws/ssm-secret-parameters.ts': 'ssm:'
  }
  // A bundle's code: its entry file and every chunk it can load (the Lambda bundles are split, the
  // clients' adapters are loaded on first use).
  const inputsOf = new Map((await lambdaFootprints({ dir: outdir, metafile: meta })).map(({ file, inputs }) => [file, inputs]))
  for (const [id, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== 'AWS::Serverless::Function') continue
    const handler = String(resource.Properties?.Handler)
    const inputs = inputsOf.get(`${handler.slice(0, handler.lastIndexOf('.'))}.mjs`) ?? []
    t.ok(inputs.length > 0, `${id}: its bundle is built`)
    const grants = functionGrants(template, id).grants
    for (const [adapter, prefix] of Object.entries(clients)) {
      const bundled = inputs.includes(adapter)
      const granted = grants.some((grant) => grant.startsWith(prefix))
      t.equal(granted, bundled, `${id}: ${prefix} ${granted ? 'granted' : 'not granted'}, ${adapter} ${bundled ? 'in' : 'not in'} its bundle`)
    }
    // Only the relay publishes to SNS; the others write events to the outbox table.
    if (grants.some((grant) => grant.startsWith('sns:'))) t.ok(inputs.includes('src/adapters/aws/sns-event-bus.ts'), `${id}: publishes with the SNS adapter`)
  }
})

t.test('users, products, orders and payments outlive the stack; the outbox is recoverable', async (t) => {
  t.same(retentionProblems(template), [], 'template.yaml')
  for (const id of RETAINED_TABLES) {
    const noRetain = cloned((copy) => { delete (copy.Resources[id] as { DeletionPolicy?: string }).DeletionPolicy })
    t.match(retentionProblems(noRetain), [new RegExp(`${id}: DeletionPolicy is undefined`)])
    const replaced = cloned((copy) => { (copy.Resources[id] as { UpdateReplacePolicy?: string }).UpdateReplacePolicy = 'Delete' })
    t.match(retentionProblems(replaced), [new RegExp(`${id}: UpdateReplacePolicy is Delete`)])
    const unprotected = cloned((copy) => { delete copy.Resources[id]?.Properties?.DeletionProtectionEnabled })
    t.match(retentionProblems(unprotected), [new RegExp(`${id}: DeletionProtectionEnabled is not true`)])
  }
  const noPitr = cloned((copy) => { delete copy.Resources.OutboxTable?.Properties?.PointInTimeRecoverySpecification })
  t.match(retentionProblems(noPitr), [/OutboxTable: point-in-time recovery is not enabled/])
})

/** cfn-lint's verdict on a template file: exit status (0 clean; bit 2 errors, 4 warnings, 8 informational) and its report. */
function cfnLint(file: string): { status: number | null; report: string } {
  const result = spawnSync('cfn-lint', ['--format', 'parseable', '--', file], { encoding: 'utf8', timeout: 120_000 })
  return { status: result.status, report: `${result.stdout ?? ''}${result.stderr ?? ''}`.trim() }
}

const cfnLintVersion = spawnSync('cfn-lint', ['--version'], { encoding: 'utf8' })
const cfnLintMissing = (cfnLintVersion.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT'
// The Node machine image ships cfn-lint (with the SAM translator): CI fails without it, a developer
// machine without it skips this part.
const skipLint = cfnLintMissing && !process.env.CI ? 'cfn-lint is not installed here: the template was not linted (CI runs it)' : false

t.test('cfn-lint: the SAM transform and the CloudFormation resource schemas accept the template', { skip: skipLint }, async (t) => {
  t.notOk(cfnLintMissing, 'cfn-lint is installed (it comes with this machine image; CI needs it)')
  if (cfnLintMissing) return
  t.comment(cfnLintVersion.stdout.trim())
  const folder = await mkdtemp(join(tmpdir(), 'template-lint-'))
  t.teardown(() => rm(folder, { recursive: true, force: true }))
  const lint = async (text: string) => {
    const file = join(folder, 'template.yaml')
    await writeFile(file, text)
    return cfnLint(file)
  }
  const real = await lint(templateText)
  t.equal(real.status, 0, `cfn-lint template.yaml:\n${real.report}`)
  const broken: Array<[string, string, RegExp]> = [
    ['an unknown property of a SAM function', brokenText('      Handler: lambda.handler\n', '      Handler: lambda.handler\n      Handlr: lambda.handler\n'), /Handlr/],
    ['a property the DynamoDB table schema does not have', brokenText("TableName: !Sub '${AWS::StackName}-users'\n      BillingMode: PAY_PER_REQUEST", "TableName: !Sub '${AWS::StackName}-users'\n      BillingMod: PAY_PER_REQUEST"), /E3002.*BillingMod/]
  ]
  for (const [what, text, expected] of broken) {
    const result = await lint(text)
    t.not(result.status, 0, `cfn-lint rejects ${what}`)
    t.match(result.report, expected, `and names it`)
  }
})
