// The AWS ports' implementations other than DynamoDB, one builder per client so a root's bundle
// holds only the SDK clients it uses. Each adapter and its client are imported and built on the
// port's first call (see loadedOnFirstCall), not at cold start.
import type { Config } from '../config'
import type { EventBus } from '../ports/event-bus'
import type { Mailer } from '../ports/mailer'
import type { WorkflowRunner } from '../ports/workflow'
import { awsClientOptions, loadedOnFirstCall } from './builders'

type AwsConfig = Pick<Config, 'AWS_REGION' | 'AWS_ENDPOINT_URL'>

export function snsEventBus(config: AwsConfig): EventBus {
  return loadedOnFirstCall(async () => {
    const [{ SNSClient }, { SnsEventBus }] = await Promise.all([import('@aws-sdk/client-sns'), import('../adapters/aws/sns-event-bus')])
    return new SnsEventBus(new SNSClient(awsClientOptions(config)))
  })
}

export function sfnWorkflow(config: AwsConfig): WorkflowRunner {
  return loadedOnFirstCall(async () => {
    const [{ SFNClient }, { SfnWorkflowRunner }] = await Promise.all([import('@aws-sdk/client-sfn'), import('../adapters/aws/sfn-workflow')])
    return new SfnWorkflowRunner(new SFNClient(awsClientOptions(config)))
  })
}

export function sesMailer(config: AwsConfig & Pick<Config, 'MAIL_FROM'>): Mailer {
  return loadedOnFirstCall(async () => {
    const [{ SESv2Client }, { SesMailer }] = await Promise.all([import('@aws-sdk/client-sesv2'), import('../adapters/aws/ses-mailer')])
    return new SesMailer(new SESv2Client(awsClientOptions(config)), config.MAIL_FROM)
  })
}
