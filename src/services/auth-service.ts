// Registration, login, token refresh and logout, email verification, and access-token checks.
// Login never reveals whether an account exists: unknown email and wrong password take the same
// path (same bcrypt work, same counters, same error).
import { randomUUID } from 'node:crypto'
import { TooManyRequestsError, UnauthorizedError, ValidationError } from '../domain/errors'
import { normaliseEmail, publicUser, type Principal, type Role, type User } from '../domain/user'
import type { AttemptCounter } from '../ports/attempt-counter'
import type { EventBus } from '../ports/event-bus'
import type { SessionStore } from '../ports/session-store'
import type { UserRepository } from '../ports/user-repository'
import { EventType, newEvent } from './events'
import { PASSWORD_MAX_BYTES, PasswordHasher } from './password-hasher'
import type { TokenService } from './token-service'

export interface Registration {
  email: string
  password: string
  firstName: string
  lastName: string
}

export interface LoginResult {
  token: string
  refreshToken: string
  expiresIn: number
  user: User
}

export interface AuthSettings {
  adminEmails: Set<string>
  userEventsTopicArn: string
  maxFailuresPerAccount: number
  maxFailuresPerAddress: number
}

const INVALID_CREDENTIALS = 'Invalid email or password.'

export class AuthService {
  constructor(
    private readonly users: UserRepository,
    private readonly sessions: SessionStore,
    private readonly failures: AttemptCounter,
    private readonly passwords: PasswordHasher,
    private readonly tokens: TokenService,
    private readonly events: EventBus,
    private readonly settings: AuthSettings
  ) {}

  async register(input: Registration, correlationId: string): Promise<User> {
    PasswordHasher.assertAcceptable(input.password)
    const email = normaliseEmail(input.email)
    const now = new Date().toISOString()
    const record = {
      id: randomUUID(),
      email,
      firstName: input.firstName.trim(),
      lastName: input.lastName.trim(),
      roles: ['customer'] as Role[],
      emailVerified: false,
      createdAt: now,
      updatedAt: now,
      passwordHash: await this.passwords.hash(input.password)
    }
    const user = publicUser(record)
    // No account without its USER_CREATED (and so its verification email): both in one transaction.
    await this.users.create(record, [
      { topicArn: this.settings.userEventsTopicArn, event: newEvent(EventType.USER_CREATED, { userId: user.id, email: user.email, firstName: user.firstName }, correlationId) }
    ])
    return user
  }

  async login(emailInput: string, password: string, clientAddress: string): Promise<LoginResult> {
    const email = normaliseEmail(emailInput)
    const accountKey = `login#account#${email}`
    const addressKey = `login#address#${clientAddress}`
    const [account, address] = await Promise.all([this.failures.current(accountKey), this.failures.current(addressKey)])
    if (account.count >= this.settings.maxFailuresPerAccount || address.count >= this.settings.maxFailuresPerAddress) {
      const retryAfter = Math.max(
        account.count >= this.settings.maxFailuresPerAccount ? account.resetsInSeconds : 0,
        address.count >= this.settings.maxFailuresPerAddress ? address.resetsInSeconds : 0
      )
      throw new TooManyRequestsError('Too many failed login attempts. Try again later.', retryAfter)
    }

    const user = await this.users.findByEmail(email)
    // bcrypt ignores bytes past 72: a longer password must not match its 72-byte prefix.
    const tooLong = Buffer.byteLength(password, 'utf8') > PASSWORD_MAX_BYTES
    const matched = await this.passwords.matches(password, tooLong ? undefined : user?.passwordHash)
    if (!matched || !user) {
      await Promise.all([this.failures.increment(accountKey), this.failures.increment(addressKey)])
      throw new UnauthorizedError(INVALID_CREDENTIALS)
    }
    await this.failures.reset(accountKey)
    return this.startSession(publicUser(user))
  }

  async refresh(refreshToken: string): Promise<LoginResult> {
    const claims = this.tokens.verify(refreshToken, 'refresh')
    const sessionId = String(claims.sid)
    const nextTokenId = randomUUID()
    const expiresAt = Math.floor(Date.now() / 1000) + this.tokens.ttlSeconds('refresh')
    const rotation = await this.sessions.rotate(sessionId, claims.jti, nextTokenId, expiresAt)
    if (rotation !== 'rotated') throw new UnauthorizedError('Invalid or expired token.')
    const user = await this.users.findById(claims.sub)
    if (!user) throw new UnauthorizedError('Invalid or expired token.')
    return this.tokensFor(publicUser(user), sessionId, nextTokenId)
  }

  /** Revokes the session of `refreshToken` (if given and the caller's), else every session of the caller. */
  async logout(userId: string, refreshToken?: string): Promise<void> {
    if (!refreshToken) return this.sessions.revokeAllForUser(userId)
    const claims = this.tokens.verify(refreshToken, 'refresh')
    if (claims.sub !== userId) throw new UnauthorizedError('Invalid or expired token.')
    await this.sessions.revoke(String(claims.sid), userId)
  }

  /** A single-purpose token for the verification link of `user`'s email. */
  emailVerificationToken(userId: string, email: string): string {
    return this.tokens.emailVerificationToken(userId, email)
  }

  async verifyEmail(token: string): Promise<User> {
    let claims
    try {
      claims = this.tokens.verify(token, 'email-verify')
    } catch {
      throw new ValidationError('The verification link is invalid or has expired.', { field: 'token' })
    }
    const email = String(claims.email)
    const user = await this.users.findByEmail(email)
    if (!user || user.id !== claims.sub) throw new ValidationError('The verification link is invalid or has expired.', { field: 'token' })
    const roles: Role[] = this.settings.adminEmails.has(email) ? ['customer', 'admin'] : ['customer']
    const verified = await this.users.markEmailVerified(email, [...new Set([...user.roles, ...roles])], new Date().toISOString())
    return publicUser(verified ?? user)
  }

  /** The caller of an access token; UnauthorizedError for any other token kind or a bad token. */
  principalOf(accessToken: string): Principal {
    const claims = this.tokens.verify(accessToken, 'access')
    return { userId: claims.sub, email: String(claims.email), roles: (claims.roles as Role[]) ?? [] }
  }

  private async startSession(user: User): Promise<LoginResult> {
    const sessionId = randomUUID()
    const tokenId = randomUUID()
    await this.sessions.create({
      id: sessionId,
      userId: user.id,
      currentTokenId: tokenId,
      revoked: false,
      expiresAt: Math.floor(Date.now() / 1000) + this.tokens.ttlSeconds('refresh')
    })
    return this.tokensFor(user, sessionId, tokenId)
  }

  private tokensFor(user: User, sessionId: string, refreshTokenId: string): LoginResult {
    const access = this.tokens.issue('access', user.id, { email: user.email, roles: user.roles })
    const refresh = this.tokens.issue('refresh', user.id, { sid: sessionId }, refreshTokenId)
    return { token: access.token, refreshToken: refresh.token, expiresIn: this.tokens.ttlSeconds('access'), user }
  }
}
