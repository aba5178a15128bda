// Resolves the caller from `Authorization: Bearer <access token>`. No header → anonymous (the guard
// answers 401 on non-public routes); a malformed or invalid token → 401 at once.
import type { FastifyRequest } from 'fastify'
import { UnauthorizedError } from '../domain/errors'
import type { Principal } from '../domain/user'
import type { Authenticate } from './auth-guard'

export function bearerAuthenticate(principalOf: (accessToken: string) => Promise<Principal>): Authenticate {
  return async (request: FastifyRequest) => {
    const header = request.headers.authorization
    if (header === undefined) return undefined
    const match = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*)$/.exec(header)
    if (!match) throw new UnauthorizedError('Authorization header must be "Bearer <token>".')
    return principalOf(match[1] as string)
  }
}
