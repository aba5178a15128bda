// AWS Lambda entry of the HTTP API: API Gateway REST (v1) and HTTP API (v2) proxy events, through
// @fastify/aws-lambda. The app is built once per container, on the first invocation, and reused.
import './quiet-node-warnings' // first: before any AWS SDK client exists (see the module)
import awsLambdaFastify, { type LambdaResponse } from '@fastify/aws-lambda'
import type { APIGatewayProxyEvent, APIGatewayProxyEventV2, Context } from 'aws-lambda'
import type { FastifyInstance } from 'fastify'
import { buildApp } from './app'
import { apiRuntimeOnce } from './composition/api'

export type ApiGatewayEvent = APIGatewayProxyEvent | APIGatewayProxyEventV2
export type ApiGatewayHandler = (event: ApiGatewayEvent, context: Context) => Promise<LambdaResponse>

/**
 * HTTP API (v2) events on a named stage carry the stage in rawPath (`/prod/users`); REST (v1) events
 * do not (`path` is stage-less). Strip it so routes match on both.
 */
function withoutStagePrefix(event: ApiGatewayEvent): ApiGatewayEvent {
  if (!('rawPath' in event)) return event
  const stage = event.requestContext?.stage
  if (!stage || stage === '$default' || !event.rawPath.startsWith(`/${stage}/`)) return event
  return { ...event, rawPath: event.rawPath.slice(stage.length + 1) }
}

/** A Lambda handler that builds its app once (lazily) and retries the build if it failed. */
export function createLambdaHandler(createApp: () => Promise<FastifyInstance>): ApiGatewayHandler {
  let proxy: Promise<ApiGatewayHandler> | undefined
  const init = async (): Promise<ApiGatewayHandler> => {
    const app = await createApp()
    const handle = awsLambdaFastify<ApiGatewayEvent>(app, { decorateRequest: false, callbackWaitsForEmptyEventLoop: false })
    await app.ready()
    return handle
  }
  return async (event, context) => {
    proxy ??= init().catch((error: unknown) => {
      proxy = undefined
      throw error
    })
    return (await proxy)(withoutStagePrefix(event), context)
  }
}

export const handler = createLambdaHandler(async () => {
  const runtime = await apiRuntimeOnce()
  return buildApp({ config: runtime.config, services: runtime.services, authenticate: runtime.authenticate, logger: runtime.logger })
})
