// Turns a worker's composition root (src/composition/<name>.ts) into a Lambda handler: the worker is
// composed on the first invocation, reused by the next ones, and composed again if that failed
// (e.g. a setting was missing: the error names it, and every invocation reports it).
import type { WorkerFunction } from './index'

export function lambdaWorker(compose: () => WorkerFunction): WorkerFunction {
  let worker: WorkerFunction | undefined
  return async (event) => {
    worker ??= compose()
    return worker(event)
  }
}
