// Port: a dependency that `GET /health/ready` checks (e.g. the table store).
export interface ReadinessProbe {
  readonly name: string
  /** Resolves when the dependency answers; rejects otherwise. */
  check(): Promise<void>
}
