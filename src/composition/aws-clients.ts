// The AWS ports' implementations other than DynamoDB, one builder per client so a root's bundle
// holds only the SDK clients it uses. Each client is created on first use (see `lazily`).
import { SESv2Client } from '@aws-sdk/client-sesv2'
import { SFNClient } from '@aws-sdk/client-sfn'
import { SNSClient } from '@aws-sdk/client-sns'
import { SesMailer } from '../adapters/aws/ses-mailer'
import { SfnWorkflowRunner } from '../adapters/aws/sfn-workflow'
import { SnsEventBus } from '../adapters/aws/sns-event-bus'
import type { Config } from '../config'
import type { EventBus } from '../ports/event-bus'
import type { Mailer } from '../ports/mailer'
import type { WorkflowRunner } from '../ports/workflow'
import { awsClientOptions, lazily } from './builders'

type AwsConfig = Pick<Config, 'AWS_REGION' | 'AWS_ENDPOINT_URL'>

export function snsEventBus(config: AwsConfig): EventBus {
  return new SnsEventBus(lazily(() => new SNSClient(awsClientOptions(config))))
}

export function sfnWorkflow(config: AwsConfig): WorkflowRunner {
  return new SfnWorkflowRunner(lazily(() => new SFNClient(awsClientOptions(config))))
}

export function sesMailer(config: AwsConfig & Pick<Config, 'MAIL_FROM'>): Mailer {
  return new SesMailer(lazily(() => new SESv2Client(awsClientOptions(config))), config.MAIL_FROM)
}
