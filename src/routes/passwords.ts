// Password routes: forgotten password, reset with the emailed link, change while logged in. HTTP
// shapes and status codes only; the rules live in PasswordService.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { principalOf } from '../plugins/auth-guard'
import { ErrorRef } from '../schemas/common'
import { AcceptedResponse, ChangePasswordBody, ForgotPasswordBody, ResetPasswordBody } from '../schemas/users'
import type { PasswordService } from '../services/password-service'

export interface PasswordsRoutesOptions {
  passwords: PasswordService
}

/** The one answer to a reset request: the same bytes whether or not the account exists. */
export const FORGOT_ACCEPTED = { message: 'If an account exists for this email, a link to reset its password is on its way.' } as const

export const passwordsRoutes: FastifyPluginAsyncTypebox<PasswordsRoutesOptions> = async (app, { passwords }) => {
  const tags = ['users']

  app.post(
    '/users/password/forgot',
    {
      config: { auth: 'public' },
      schema: {
        tags,
        summary: 'Ask for a password-reset email',
        description: 'Answers 202 with the same body whether or not an account has this email; only a real account gets the email (a link valid one hour, once). Limited per email and per client address.',
        body: ForgotPasswordBody,
        response: { 202: AcceptedResponse, 400: ErrorRef, 429: ErrorRef }
      }
    },
    async (request, reply) => {
      await passwords.forgot(request.body.email, request.ip, request.id)
      return reply.code(202).send(FORGOT_ACCEPTED)
    }
  )

  app.post(
    '/users/password/reset',
    {
      config: { auth: 'public' },
      schema: {
        tags,
        summary: 'Set a new password with the token of a reset link',
        description: 'The token works once, for one hour. Afterwards the old password fails, every session of the account is revoked, and access tokens issued before are refused. A bad, used or expired token is a 400 naming `token`.',
        body: ResetPasswordBody,
        response: { 204: { type: 'null' }, 400: ErrorRef }
      }
    },
    async (request, reply) => {
      await passwords.reset(request.body.token, request.body.password)
      return reply.code(204).send()
    }
  )

  app.post(
    '/users/me/password',
    {
      config: { auth: 'customer' },
      schema: {
        tags,
        summary: 'Change the password',
        description: 'A wrong current password is a 401 and counts as a failed login (then 429). The caller\'s session stays; every other session is revoked and its tokens refused.',
        body: ChangePasswordBody,
        response: { 204: { type: 'null' }, 400: ErrorRef, 401: ErrorRef, 429: ErrorRef }
      }
    },
    async (request, reply) => {
      await passwords.change(principalOf(request), request.body.currentPassword, request.body.newPassword, request.ip)
      return reply.code(204).send()
    }
  )
}
