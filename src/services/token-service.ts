// Signs and verifies every token the API issues. HS256 only (pinned: `alg: none` and any other
// algorithm are rejected), and a `typ` claim checked at every use so an email-verify, password-reset or
// refresh token never works as an access token, or the other way round.
// Every claim a token of its type is issued with must be present and well-formed: fast-jwt's
// allowedIss/allowedAud only check `iss`/`aud` when they are there, and it never looks at `iat`, so a
// correctly signed token without them would otherwise pass (issue 13). `iat` later than now (beyond the
// clock tolerance) is rejected too.
// fast-jwt is used directly (it is the engine of @fastify/jwt) because tokens are also minted outside
// any HTTP request, e.g. by the notification worker, where there is no Fastify instance.
import { randomUUID } from 'node:crypto'
import { createSigner, createVerifier } from 'fast-jwt'
import { UnauthorizedError } from '../domain/errors'
import { ROLES } from '../domain/user'

export type TokenType = 'access' | 'refresh' | 'email-verify' | 'password-reset'

/** Lifetime of a password-reset link (issue 9: one hour). */
export const PASSWORD_RESET_TTL_SECONDS = 3600

export interface TokenClaims {
  iss: string
  aud: string | string[]
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

/** Skew allowed between the clock that signed and the one that verifies (exp, nbf and iat). */
const CLOCK_TOLERANCE_MS = 5_000

/** Claims every token carries: fast-jwt checks they are present, then iss/aud values and exp/nbf dates. */
const REQUIRED_CLAIMS = ['iss', 'aud', 'sub', 'typ', 'jti', 'iat', 'exp']

const isText = (value: unknown): value is string => typeof value === 'string' && value.length > 0
/** A user's token generation (see TokenGenerations): a non-negative integer. */
const isGeneration = (value: unknown): boolean => typeof value === 'number' && Number.isInteger(value) && value >= 0
const isRoleList = (value: unknown): boolean =>
  Array.isArray(value) && value.every((role) => (ROLES as readonly unknown[]).includes(role))

/** The claims each type is issued with (see AuthService), which its users read without further checks. */
const CLAIMS_OF_TYPE: Record<TokenType, Record<string, (value: unknown) => boolean>> = {
  // `sid`: the session (refresh-token family) the token was issued in; `gen`: the user's token
  // generation then (a password change or reset moves it on, refusing older tokens).
  access: { email: isText, roles: isRoleList, sid: isText, gen: isGeneration },
  refresh: { sid: isText, gen: isGeneration },
  'email-verify': { email: isText },
  // `nonce`: the single-use value stored on the user when the link was made (PasswordResetLinks).
  'password-reset': { email: isText, nonce: isText }
}

export class TokenService {
  private readonly sign: (payload: Record<string, unknown>) => string
  private readonly verifyJwt: (token: string) => Record<string, unknown>

  constructor(private readonly settings: TokenSettings) {
    this.sign = createSigner({ key: settings.secret, algorithm: 'HS256', iss: settings.issuer, aud: settings.audience })
    this.verifyJwt = createVerifier({
      key: settings.secret,
      algorithms: ['HS256'],
      allowedIss: settings.issuer,
      allowedAud: settings.audience,
      requiredClaims: REQUIRED_CLAIMS,
      clockTolerance: CLOCK_TOLERANCE_MS,
      cache: false
    }) as (token: string) => Record<string, unknown>
  }

  issue(type: TokenType, subject: string, claims: Record<string, unknown> = {}, jti: string = randomUUID()): { token: string; claims: TokenClaims } {
    const iat = Math.floor(Date.now() / 1000)
    const payload = { ...claims, sub: subject, typ: type, jti, iat, exp: iat + this.settings.ttlSeconds[type] }
    const token = this.sign(payload)
    return { token, claims: { ...payload, iss: this.settings.issuer, aud: this.settings.audience } }
  }

  /** The token's claims if it is valid and of `type`; otherwise UnauthorizedError (never why, to the client). */
  verify(token: string, type: TokenType): TokenClaims {
    let claims: Record<string, unknown>
    try {
      claims = this.verifyJwt(token)
    } catch {
      throw new UnauthorizedError('Invalid or expired token.')
    }
    if (claims.typ !== type || !isText(claims.sub) || !isText(claims.jti) || !this.issuedInThePast(claims.iat)) {
      throw new UnauthorizedError('Invalid or expired token.')
    }
    for (const [claim, valid] of Object.entries(CLAIMS_OF_TYPE[type])) {
      if (!valid(claims[claim])) throw new UnauthorizedError('Invalid or expired token.')
    }
    return claims as TokenClaims
  }

  /** A single-purpose token for the verification link of a user's email. */
  emailVerificationToken(userId: string, email: string): string {
    return this.issue('email-verify', userId, { email }).token
  }

  /** A single-purpose, single-use (through `nonce`) token for a password-reset link. */
  passwordResetToken(userId: string, email: string, nonce: string): string {
    return this.issue('password-reset', userId, { email, nonce }).token
  }

  ttlSeconds(type: TokenType): number {
    return this.settings.ttlSeconds[type]
  }

  /** fast-jwt checks `iat` only for maxAge; a token from the future (beyond the tolerance) is forged or mis-clocked. */
  private issuedInThePast(iat: unknown): boolean {
    return typeof iat === 'number' && Number.isFinite(iat) && iat * 1000 <= Date.now() + CLOCK_TOLERANCE_MS
  }
}
