// Turns a worker of src/workers/index.ts into a Lambda handler that shares the process's AWS
// runtime (services and clients built once per container).
import { awsRuntimeOnce } from '../composition'

export function lambdaWorker(name: string): (event: unknown) => Promise<unknown> {
  return async (event) => {
    const worker = awsRuntimeOnce().workers[name]
    if (!worker) throw new Error(`No worker named ${name}`)
    return worker(event)
  }
}
