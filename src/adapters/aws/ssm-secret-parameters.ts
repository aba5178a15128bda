// SecretParameters on SSM Parameter Store: one GetParameters request with WithDecryption for every
// name asked (the API takes at most 10; an entry point has at most 3 secrets). Only SecureString
// parameters are accepted: a secret stored as a plain String would be readable without KMS and
// shown in clear in the console, so it is refused rather than used. The SDK client directly, not
// Powertools Parameters (which wraps this same client, adds its own package and a cache with a
// max age): one request at cold start is all there is to do (README "Secrets").
import { GetParametersCommand, SSMClient, type SSMClientConfig } from '@aws-sdk/client-ssm'
import type { SecretParameters } from '../../ports/secret-parameters'

/** GetParameters' limit on names per request. */
export const GET_PARAMETERS_MAX_NAMES = 10

export class SecretParameterError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'SecretParameterError'
  }
}

export class SsmSecretParameters implements SecretParameters {
  constructor(private readonly client: Pick<SSMClient, 'send'>) {}

  async read(names: readonly string[]): Promise<Map<string, string>> {
    const wanted = [...new Set(names)]
    if (wanted.length === 0) return new Map()
    if (wanted.length > GET_PARAMETERS_MAX_NAMES) throw new Error(`at most ${GET_PARAMETERS_MAX_NAMES} parameters per GetParameters request (asked ${wanted.length})`)
    const output = await this.client.send(new GetParametersCommand({ Names: wanted, WithDecryption: true }))
    const invalid = output.InvalidParameters ?? []
    if (invalid.length > 0) {
      throw new SecretParameterError(`SSM Parameter Store has no parameter ${invalid.join(', ')} (create it with \`aws ssm put-parameter --type SecureString\`)`)
    }
    const values = new Map<string, string>()
    for (const parameter of output.Parameters ?? []) {
      if (parameter.Name === undefined || !wanted.includes(parameter.Name)) continue
      if (parameter.Type !== 'SecureString') {
        throw new SecretParameterError(`SSM parameter ${parameter.Name} is a ${parameter.Type ?? 'parameter of unknown type'}, not a SecureString: store secrets encrypted (\`--type SecureString\`)`)
      }
      if (!parameter.Value) throw new SecretParameterError(`SSM parameter ${parameter.Name} has no value`)
      values.set(parameter.Name, parameter.Value)
    }
    const unanswered = wanted.filter((name) => !values.has(name))
    if (unanswered.length > 0) throw new SecretParameterError(`SSM Parameter Store did not return ${unanswered.join(', ')}`)
    return values
  }
}

/**
 * SSM's SecretParameters for one read at startup: the client is closed after it, so no idle socket
 * outlives it (an entry reads its secrets once per process, src/composition/secrets.ts).
 */
export function ssmSecretParametersReadOnce(config: SSMClientConfig): SecretParameters {
  const client = new SSMClient(config)
  const parameters = new SsmSecretParameters(client)
  return {
    async read(names) {
      try {
        return await parameters.read(names)
      } finally {
        client.destroy()
      }
    }
  }
}
