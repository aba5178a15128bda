// Signs and verifies every token the API issues. HS256 only (pinned: `alg: none` and any other
// algorithm are rejected), `iss` and `aud` checked, and a `typ` claim checked at every use so an
// email-verify or refresh token never works as an access token, or the other way round.
// fast-jwt is used directly (it is the engine of @fastify/jwt) because tokens are also minted outside
// any HTTP request, e.g. by the notification worker, where there is no Fastify instance.
import { randomUUID } from 'node:crypto'
import { createSigner, createVerifier } from 'fast-jwt'
import { UnauthorizedError } from '../domain/errors'

export type TokenType = 'access' | 'refresh' | 'email-verify'

export interface TokenClaims {
  sub: string
  typ: TokenType
  jti: string
  iat: number
  exp: number
  [claim: string]: unknown
}

export interface TokenSettings {
  secret: string
  issuer: string
  audience: string
  ttlSeconds: Record<TokenType, number>
}

export class TokenService {
  private readonly sign: (payload: Record<string, unknown>) => string
  private readonly verifyJwt: (token: string) => TokenClaims

  constructor(private readonly settings: TokenSettings) {
    this.sign = createSigner({ key: settings.secret, algorithm: 'HS256', iss: settings.issuer, aud: settings.audience })
    this.verifyJwt = createVerifier({
      key: settings.secret,
      algorithms: ['HS256'],
      allowedIss: settings.issuer,
      allowedAud: settings.audience,
      requiredClaims: ['sub', 'typ', 'jti', 'exp', 'iat'],
      clockTolerance: 5_000,
      cache: false
    }) as (token: string) => TokenClaims
  }

  issue(type: TokenType, subject: string, claims: Record<string, unknown> = {}, jti: string = randomUUID()): { token: string; claims: TokenClaims } {
    const iat = Math.floor(Date.now() / 1000)
    const payload = { ...claims, sub: subject, typ: type, jti, iat, exp: iat + this.settings.ttlSeconds[type] }
    return { token: this.sign(payload), claims: payload as TokenClaims }
  }

  /** The token's claims if it is valid and of `type`; otherwise UnauthorizedError (never why, to the client). */
  verify(token: string, type: TokenType): TokenClaims {
    let claims: TokenClaims
    try {
      claims = this.verifyJwt(token)
    } catch {
      throw new UnauthorizedError('Invalid or expired token.')
    }
    if (claims.typ !== type) throw new UnauthorizedError('Invalid or expired token.')
    return claims
  }

  /** A single-purpose token for the verification link of a user's email. */
  emailVerificationToken(userId: string, email: string): string {
    return this.issue('email-verify', userId, { email }).token
  }

  ttlSeconds(type: TokenType): number {
    return this.settings.ttlSeconds[type]
  }
}
