// Users and authentication routes: HTTP shapes and status codes only; rules live in AuthService and
// UserService.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { principalOf } from '../plugins/auth-guard'
import { ErrorRef } from '../schemas/common'
import {
  AcceptedResponse,
  LoginBody,
  LogoutBody,
  RefreshBody,
  RegisterBody,
  TokensResponse,
  UserIdParams,
  UpdateProfileBody,
  UserResponse,
  VerifyEmailBody
} from '../schemas/users'
import type { AuthService } from '../services/auth-service'
import type { UserService } from '../services/user-service'

export interface UsersRoutesOptions {
  auth: AuthService
  users: UserService
}

const RESEND_ACCEPTED = { message: 'Unless your email address is verified already, a new verification link is on its way.' } as const

export const usersRoutes: FastifyPluginAsyncTypebox<UsersRoutesOptions> = async (app, { auth, users }) => {
  const tags = ['users']

  app.post(
    '/users/register',
    {
      config: { auth: 'public' },
      schema: { tags, summary: 'Create an account', body: RegisterBody, response: { 201: UserResponse, 400: ErrorRef, 409: ErrorRef, 429: ErrorRef } }
    },
    async (request, reply) => reply.code(201).send({ user: await auth.register(request.body, request.id, request.ip) })
  )

  app.post(
    '/users/login',
    {
      config: { auth: 'public' },
      schema: { tags, summary: 'Log in', body: LoginBody, response: { 200: TokensResponse, 400: ErrorRef, 401: ErrorRef, 429: ErrorRef } }
    },
    async (request) => auth.login(request.body.email, request.body.password, request.ip)
  )

  app.post(
    '/users/token/refresh',
    {
      config: { auth: 'public' },
      schema: { tags, summary: 'Exchange a refresh token (rotated on use)', body: RefreshBody, response: { 200: TokensResponse, 400: ErrorRef, 401: ErrorRef } }
    },
    async (request) => auth.refresh(request.body.refreshToken)
  )

  app.post(
    '/users/logout',
    {
      config: { auth: 'customer' },
      schema: { tags, summary: 'Revoke refresh tokens', body: LogoutBody, response: { 204: { type: 'null' }, 400: ErrorRef, 401: ErrorRef } },
      // The body is optional (the bearer says who logs out): none, or an empty one, is `{}`.
      preValidation: (request, _reply, done) => {
        request.body ??= {}
        done()
      }
    },
    async (request, reply) => {
      await auth.logout(principalOf(request).userId, request.body?.refreshToken)
      return reply.code(204).send()
    }
  )

  app.post(
    '/users/verify-email',
    {
      config: { auth: 'public' },
      schema: { tags, summary: 'Verify an email address with the token from the email', body: VerifyEmailBody, response: { 200: UserResponse, 400: ErrorRef } }
    },
    async (request) => ({ user: await auth.verifyEmail(request.body.token) })
  )

  app.post(
    '/users/verify-email/resend',
    {
      config: { auth: 'customer' },
      schema: {
        tags,
        summary: 'Send the verification email again',
        description: 'Nothing is sent when the address is verified already. Limited per account.',
        // 400: a body that is not JSON (none is needed).
        response: { 202: AcceptedResponse, 400: ErrorRef, 401: ErrorRef, 429: ErrorRef }
      }
    },
    async (request, reply) => {
      await auth.resendVerification(principalOf(request), request.id)
      return reply.code(202).send(RESEND_ACCEPTED)
    }
  )

  app.patch(
    '/users/me',
    {
      config: { auth: 'customer' },
      schema: { tags, summary: 'Change the caller\'s names', body: UpdateProfileBody, response: { 200: UserResponse, 400: ErrorRef, 401: ErrorRef, 404: ErrorRef } }
    },
    async (request) => ({ user: await users.updateProfile(principalOf(request), request.body) })
  )

  app.get(
    '/users/me',
    { config: { auth: 'customer' }, schema: { tags, summary: 'The caller', response: { 200: UserResponse, 401: ErrorRef, 404: ErrorRef } } },
    async (request) => {
      const caller = principalOf(request)
      return { user: await users.get(caller, caller.userId) }
    }
  )

  app.get(
    '/users/:id',
    {
      config: { auth: 'customer' },
      schema: { tags, summary: 'A user (self, or any user for admins)', params: UserIdParams, response: { 200: UserResponse, 400: ErrorRef, 401: ErrorRef, 404: ErrorRef } }
    },
    async (request) => ({ user: await users.get(principalOf(request), request.params.id) })
  )
}
