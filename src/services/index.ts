// The set of domain services the API and the workers share. Built once per process by the
// composition root from the adapters (ports' implementations).
import type { HealthService } from './health-service'

export interface Services {
  health: HealthService
}
