// Builders of what signs: the tokens (JWT_SECRET) and the list cursors keyed from it.
import { createHmac } from 'node:crypto'
import type { Config } from '../config'
import { CursorCodec } from '../services/cursor'
import { PASSWORD_RESET_TTL_SECONDS, TokenService } from '../services/token-service'

type TokensConfig = Pick<Config, 'JWT_SECRET' | 'JWT_ISSUER' | 'JWT_AUDIENCE' | 'ACCESS_TOKEN_TTL_SECONDS' | 'REFRESH_TOKEN_TTL_SECONDS' | 'EMAIL_VERIFY_TTL_SECONDS'>

export function tokenService(config: TokensConfig): TokenService {
  return new TokenService({
    secret: config.JWT_SECRET,
    issuer: config.JWT_ISSUER,
    audience: config.JWT_AUDIENCE,
    ttlSeconds: {
      access: config.ACCESS_TOKEN_TTL_SECONDS,
      refresh: config.REFRESH_TOKEN_TTL_SECONDS,
      'email-verify': config.EMAIL_VERIFY_TTL_SECONDS,
      'password-reset': PASSWORD_RESET_TTL_SECONDS
    }
  })
}

/**
 * The list cursors' codec. Its key is derived from JWT_SECRET (HMAC with a fixed label, for domain
 * separation), so no second secret is needed and a cursor MAC can never double as a token signature.
 */
export function cursorCodec(config: Pick<Config, 'JWT_SECRET'>): CursorCodec {
  return new CursorCodec(createHmac('sha256', config.JWT_SECRET).update('cursor').digest('hex'))
}
