// The set of domain services the API and the workers share. Built once per process by the
// composition root from the adapters (ports' implementations).
import type { AuthService } from './auth-service'
import type { HealthService } from './health-service'
import type { NotificationService } from './notification-service'
import type { UserService } from './user-service'

export interface Services {
  health: HealthService
  auth: AuthService
  users: UserService
  notifications: NotificationService
}
