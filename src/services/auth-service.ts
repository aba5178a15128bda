// Registration, login, token refresh and logout, email verification, and access-token checks.
// Login never reveals whether an account exists: unknown email and wrong password take the same
// path (same bcrypt work, same counters, same error). Password changes and resets are
// PasswordService's; they use the throttled password check and the session ending here.
import { randomUUID } from 'node:crypto'
import { TooManyRequestsError, UnauthorizedError, ValidationError } from '../domain/errors'
import { normaliseEmail, publicUser, type Principal, type Role, type User, type UserRecord } from '../domain/user'
import type { EventBus } from '../ports/event-bus'
import type { KnownAddresses } from '../ports/known-addresses'
import type { SessionStore } from '../ports/session-store'
import type { UserRepository } from '../ports/user-repository'
import { EventType, newEvent } from './events'
import { PASSWORD_MAX_BYTES, PasswordHasher } from './password-hasher'
import type { RateLimiter } from './rate-limiter'
import { generationOf, isCurrentToken, type TokenGenerations } from './token-generations'
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
}

/** Rate limits: failed logins per account and per client address; registrations per address and per email. */
export interface AuthLimits {
  login: RateLimiter<'account' | 'address'>
  register: RateLimiter<'address' | 'email'>
  /** Verification emails asked for again (POST /users/verify-email/resend), per account. */
  resendVerification: RateLimiter<'account'>
  /** Addresses that logged into an account lately: they get their own per-account limit (see reserveLogin). */
  knownAddresses: KnownAddresses
}

const INVALID_CREDENTIALS = 'Invalid email or password.'

/** The per-account login counter of an account's known address (kept apart from the shared one). */
const knownAddressAccount = (email: string, address: string) => `${email}#from#${address}`

export class AuthService {
  constructor(
    private readonly users: UserRepository,
    private readonly sessions: SessionStore,
    private readonly limits: AuthLimits,
    private readonly passwords: PasswordHasher,
    private readonly tokens: TokenService,
    private readonly events: EventBus,
    private readonly settings: AuthSettings,
    private readonly generations: TokenGenerations
  ) {}

  async register(input: Registration, correlationId: string, clientAddress: string): Promise<User> {
    PasswordHasher.assertAcceptable(input.password)
    const email = normaliseEmail(input.email)
    // Every well-formed attempt counts, taken or not: each success sends an email to an address the
    // caller chose, and each 409 answers whether an account exists.
    await this.limits.register.acquire({ address: clientAddress, email })
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
    return this.startSession(await this.checkPassword(emailInput, password, clientAddress))
  }

  /**
   * The account if `password` is its password, else UnauthorizedError; counted by, and limited as,
   * a login (429 past the limits). Login and the password change (PasswordService) use it.
   */
  async checkPassword(emailInput: string, password: string, clientAddress: string): Promise<UserRecord> {
    const email = normaliseEmail(emailInput)
    // Reserved before bcrypt, atomically: concurrent guesses cannot all pass a check made before any
    // of them counted. A success gives its reservations back (below).
    const attempt = await this.reserveLogin(email, clientAddress)

    const user = await this.users.findByEmail(email)
    // bcrypt ignores bytes past 72: a longer password must not match its 72-byte prefix.
    const tooLong = Buffer.byteLength(password, 'utf8') > PASSWORD_MAX_BYTES
    const matched = await this.passwords.matches(password, tooLong ? undefined : user?.passwordHash)
    if (!matched || !user) throw new UnauthorizedError(INVALID_CREDENTIALS)
    await Promise.all([
      attempt.release('address'),
      this.limits.login.reset('account', email),
      this.limits.login.reset('account', knownAddressAccount(email, clientAddress)),
      this.limits.knownAddresses.remember(email, clientAddress)
    ])
    return user
  }

  /**
   * After a new password was written (with its new token generation): this process refuses the older
   * tokens at once, and every session but `keepSessionId` is revoked. After a reset, the owner proved
   * they hold the mailbox: failed logins counted against the account are forgotten too.
   */
  async endSessions(user: UserRecord, keepSessionId?: string): Promise<void> {
    this.generations.remember(user)
    await Promise.all([
      this.sessions.revokeAllForUser(user.id, keepSessionId),
      keepSessionId === undefined ? this.limits.login.reset('account', user.email) : undefined
    ])
  }

  /**
   * Lockout as denial of service: anyone can use up an account's failed-login limit. An address that
   * logged into the account lately then counts its failures on a limit of its own (same size), so the
   * owner still gets in from there; an attacker gains that many more guesses only from such an address,
   * and the per-address limit still holds.
   */
  private async reserveLogin(email: string, clientAddress: string) {
    try {
      return await this.limits.login.acquire({ account: email, address: clientAddress })
    } catch (error) {
      if (!(error instanceof TooManyRequestsError) || !(await this.limits.knownAddresses.isKnown(email, clientAddress))) throw error
      return this.limits.login.acquire({ account: knownAddressAccount(email, clientAddress), address: clientAddress })
    }
  }

  async refresh(refreshToken: string): Promise<LoginResult> {
    const claims = this.tokens.verify(refreshToken, 'refresh')
    const sessionId = String(claims.sid)
    const nextTokenId = randomUUID()
    const expiresAt = Math.floor(Date.now() / 1000) + this.tokens.ttlSeconds('refresh')
    const rotation = await this.sessions.rotate(sessionId, claims.jti, nextTokenId, expiresAt)
    if (rotation !== 'rotated') throw new UnauthorizedError('Invalid or expired token.')
    const user = await this.users.findById(claims.sub)
    // Sessions are revoked after a password change or reset; the generation also refuses those whose
    // revocation did not happen (a crash between the two writes).
    if (!user || !isCurrentToken(user, { userId: claims.sub, generation: Number(claims.gen), sessionId })) {
      throw new UnauthorizedError('Invalid or expired token.')
    }
    return this.tokensFor(user, sessionId, nextTokenId)
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

  /**
   * Sends the caller's verification email again (VERIFICATION_REQUESTED, handled by the notification
   * worker as USER_CREATED is); nothing when the address is verified already. Limited per account:
   * each one is an email to an address the account's creator chose.
   */
  async resendVerification(caller: Principal, correlationId: string): Promise<void> {
    const user = await this.users.findByEmail(caller.email)
    if (!user || user.id !== caller.userId || user.emailVerified) return
    await this.limits.resendVerification.acquire({ account: user.id })
    const data = { userId: user.id, email: user.email, firstName: user.firstName }
    await this.events.publish(this.settings.userEventsTopicArn, newEvent(EventType.VERIFICATION_REQUESTED, data, correlationId))
  }

  /**
   * The caller of an access token; UnauthorizedError for any other token kind, a bad token, or one
   * issued before the account's last password change or reset (TokenGenerations).
   */
  async principalOf(accessToken: string): Promise<Principal> {
    const claims = this.tokens.verify(accessToken, 'access')
    const principal = { userId: claims.sub, email: String(claims.email), roles: claims.roles as Role[], sessionId: String(claims.sid) }
    const current = await this.generations.isCurrent(principal.email, { userId: principal.userId, generation: Number(claims.gen), sessionId: principal.sessionId })
    if (!current) throw new UnauthorizedError('Invalid or expired token.')
    return principal
  }

  private async startSession(user: UserRecord): Promise<LoginResult> {
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

  private tokensFor(user: UserRecord, sessionId: string, refreshTokenId: string): LoginResult {
    const gen = generationOf(user)
    const access = this.tokens.issue('access', user.id, { email: user.email, roles: user.roles, sid: sessionId, gen })
    const refresh = this.tokens.issue('refresh', user.id, { sid: sessionId, gen }, refreshTokenId)
    return { token: access.token, refreshToken: refresh.token, expiresIn: this.tokens.ttlSeconds('access'), user: publicUser(user) }
  }
}
