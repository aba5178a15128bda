// Promise.withResolvers (ES2024) for Node 20: aws-local-stepfunctions calls it when a Task state
// runs, and Node only has it from 22. Import this module before the library; it defines the method
// only where it is missing, with the built-in's semantics (`this` is the promise constructor).

export interface Resolvers<T> {
  promise: Promise<T>
  resolve: (value: T | PromiseLike<T>) => void
  reject: (reason?: unknown) => void
}

const promiseConstructor = Promise as PromiseConstructor & { withResolvers?: unknown }

if (typeof promiseConstructor.withResolvers !== 'function') {
  Object.defineProperty(Promise, 'withResolvers', {
    configurable: true,
    writable: true,
    enumerable: false,
    value: function withResolvers<T>(this: PromiseConstructor): Resolvers<T> {
      let resolve!: Resolvers<T>['resolve']
      let reject!: Resolvers<T>['reject']
      const promise = new this<T>((onResolve, onReject) => {
        resolve = onResolve
        reject = onReject
      })
      return { promise, resolve, reject }
    }
  })
}

/** Typed access to Promise.withResolvers (TypeScript's ES2023 lib does not declare it). */
export function withResolvers<T>(): Resolvers<T> {
  return (Promise as unknown as { withResolvers<U>(): Resolvers<U> }).withResolvers<T>()
}
