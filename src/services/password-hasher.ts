// Password hashing with bcrypt (bcryptjs, async so the event loop keeps serving). bcrypt only reads
// the first 72 bytes of a password, so longer ones are rejected rather than silently truncated.
import bcrypt from 'bcryptjs'
import { ValidationError } from '../domain/errors'

export const PASSWORD_MIN_LENGTH = 8
export const PASSWORD_MAX_BYTES = 72

export class PasswordHasher {
  /** Hash of a random password, compared against when the account does not exist (same work either way). */
  private readonly dummyHash: Promise<string>

  constructor(private readonly cost: number) {
    this.dummyHash = bcrypt.hash(`dummy-${Math.random()}`, cost)
  }

  /** Throws ValidationError unless the password is 8 characters to 72 UTF-8 bytes. */
  static assertAcceptable(password: string): void {
    if ([...password].length < PASSWORD_MIN_LENGTH) {
      throw new ValidationError(`password must be at least ${PASSWORD_MIN_LENGTH} characters`, { field: 'password' })
    }
    if (Buffer.byteLength(password, 'utf8') > PASSWORD_MAX_BYTES) {
      throw new ValidationError(`password must be at most ${PASSWORD_MAX_BYTES} bytes in UTF-8`, { field: 'password' })
    }
  }

  hash(password: string): Promise<string> {
    return bcrypt.hash(password, this.cost)
  }

  /** Compares against `hash`, or against the dummy hash when there is no account, so timing matches. */
  async matches(password: string, hash: string | undefined): Promise<boolean> {
    const matched = await bcrypt.compare(password, hash ?? (await this.dummyHash))
    return matched && hash !== undefined
  }
}
