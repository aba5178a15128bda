// Turns a worker's composition root (src/composition/<name>.ts) into a Lambda handler: the worker is
// composed on the first invocation, reused by the next ones, and composed again if that failed
// (e.g. a setting was missing or a secret could not be read: the error names it, and every
// invocation reports it). Composing may be asynchronous: the roots read their secrets first.
import type { WorkerFunction } from './index'

export function lambdaWorker(compose: () => WorkerFunction | Promise<WorkerFunction>): WorkerFunction {
  let worker: Promise<WorkerFunction> | undefined
  return async (event) => {
    worker ??= Promise.resolve()
      .then(compose)
      .catch((error: unknown) => {
        worker = undefined
        throw error
      })
    return (await worker)(event)
  }
}
