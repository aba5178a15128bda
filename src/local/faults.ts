// Fault switches of the embedded runtime (local mode only, POST/GET /_local/faults): turn a stand-in
// for an outside service into a failing one, to see how the app copes and recovers. Each switch is
// read where the failure happens (Stripe simulator, local SNS bus, the DynamoDB client's middleware),
// at the moment of each call, so flipping one takes effect on the next call.

/** Every switch and the values it takes; the first value is the normal one. */
export const FAULT_SWITCHES = {
  /** fail: PaymentIntent create/retrieve answer HTTP 500 api_error. */
  'stripe.paymentIntents': ['ok', 'fail'],
  /** fail: refund creation answers HTTP 500 api_error. */
  'stripe.refunds': ['ok', 'fail'],
  /** drop: webhook deliveries due while on are lost (never delivered, not retried). */
  'stripe.webhooks': ['ok', 'drop'],
  /** fail: the local SNS Publish throws. */
  'events.publish': ['ok', 'fail'],
  /** unavailable: every call of the app's DynamoDB client fails at once as a network timeout would. */
  dynamodb: ['ok', 'unavailable']
} as const

export type FaultSwitch = keyof typeof FAULT_SWITCHES
export type FaultValue<S extends FaultSwitch> = (typeof FAULT_SWITCHES)[S][number]
export type FaultState = { -readonly [S in FaultSwitch]: FaultValue<S> }

/** A request names a switch or a value that does not exist; nothing was changed. */
export class FaultSwitchError extends Error {
  override readonly name = 'FaultSwitchError'
}

const SWITCHES = Object.keys(FAULT_SWITCHES) as FaultSwitch[]

function normalState(): FaultState {
  return Object.fromEntries(SWITCHES.map((name) => [name, FAULT_SWITCHES[name][0]])) as FaultState
}

export class FaultSwitches {
  private state = normalState()

  get<S extends FaultSwitch>(name: S): FaultValue<S> {
    return this.state[name]
  }

  /** True when the switch is set to anything but its normal value. */
  isOn(name: FaultSwitch): boolean {
    return this.state[name] !== FAULT_SWITCHES[name][0]
  }

  /**
   * Applies every change of `changes` (switch → value), or none: an unknown switch or value throws
   * FaultSwitchError before anything changes. Returns the new state.
   */
  set(changes: Record<string, unknown>): FaultState {
    const valid: Array<[FaultSwitch, string]> = []
    for (const [name, value] of Object.entries(changes)) {
      if (!isSwitch(name)) throw new FaultSwitchError(`Unknown fault switch '${name}'; the switches are ${SWITCHES.join(', ')}`)
      const values: readonly string[] = FAULT_SWITCHES[name]
      if (typeof value !== 'string' || !values.includes(value)) {
        throw new FaultSwitchError(`Fault switch '${name}' takes ${values.map((option) => `'${option}'`).join(' or ')}, not ${JSON.stringify(value)}`)
      }
      valid.push([name, value])
    }
    for (const [name, value] of valid) (this.state as Record<FaultSwitch, string>)[name] = value
    return this.snapshot()
  }

  /** Every switch back to normal. */
  reset(): void {
    this.state = normalState()
  }

  snapshot(): FaultState {
    return { ...this.state }
  }
}

function isSwitch(name: string): name is FaultSwitch {
  return Object.hasOwn(FAULT_SWITCHES, name)
}
