import type { Repositories, Store, UnitOfWork } from '../../src/core/ports';

/** Makes the store's transactions throw when `repository.method` is called inside them. */
export function failInside(store: Store, repository: keyof Repositories, method: string): void {
  const original = store.transaction.bind(store);
  const failing = <T>(work: (tx: UnitOfWork) => Promise<T>): Promise<T> =>
    original((tx) => {
      const broken = new Proxy(tx[repository], {
        get(target, key, receiver) {
          if (key === method)
            return () => Promise.reject(new Error(`injected failure in ${repository}.${method}`));
          return Reflect.get(target, key, receiver) as unknown;
        },
      });
      return work(new Proxy(tx, { get: (t, key) => (key === repository ? broken : Reflect.get(t, key)) }));
    });
  Object.assign(store, { transaction: failing });
}
