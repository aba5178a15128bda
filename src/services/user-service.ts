// Reading user profiles. A user sees only themself unless they are an admin; anyone else gets
// NotFound (not Forbidden), so ids cannot be probed for existence.
import { NotFoundError } from '../domain/errors'
import { isOwnerOrAdmin, publicUser, type Principal, type User } from '../domain/user'
import type { UserRepository } from '../ports/user-repository'

export class UserService {
  constructor(private readonly users: UserRepository) {}

  async get(caller: Principal, userId: string): Promise<User> {
    const user = isOwnerOrAdmin(caller, userId) ? await this.users.findById(userId) : undefined
    if (!user) throw new NotFoundError('User not found.')
    return publicUser(user)
  }

  /** Changes the caller's own names (trimmed; the route requires at least one). */
  async updateProfile(caller: Principal, names: { firstName?: string; lastName?: string }): Promise<User> {
    const trimmed = { firstName: names.firstName?.trim(), lastName: names.lastName?.trim() }
    const updated = await this.users.updateProfile(caller.email, caller.userId, trimmed, new Date().toISOString())
    if (!updated) throw new NotFoundError('User not found.')
    return publicUser(updated)
  }
}
