/**
 * Counts the calls the core and the scheduler make into the store: top-level calls (each one await on
 * the store: a repository method, or a whole transaction) and the calls made inside transactions.
 */
import type { Store } from '../../src/core/ports';

export interface StoreCallCount {
  /** Calls on the store itself, a transaction counted once. */
  topLevel: string[];
  /** Repository calls made inside transactions. */
  inTransactions: string[];
}

const REPOSITORIES = [
  'workspaces',
  'members',
  'partners',
  'interactions',
  'nudges',
  'digests',
  'journal',
  'plannedEvents',
];

function counting<T extends object>(
  target: T,
  record: (call: string) => void,
  inside: (call: string) => void,
): T {
  return new Proxy(target, {
    get(object, key, receiver) {
      const value = Reflect.get(object, key, receiver) as unknown;
      if (typeof key === 'string' && REPOSITORIES.includes(key)) {
        return new Proxy(value as object, {
          get(repository, method, r) {
            const fn = Reflect.get(repository, method, r) as unknown;
            if (typeof fn !== 'function') return fn;
            return (...args: unknown[]) => {
              record(`${key}.${String(method)}`);
              return (fn as (...a: unknown[]) => unknown).apply(repository, args);
            };
          },
        });
      }
      if (key === 'transaction' && typeof value === 'function') {
        return (work: (tx: unknown) => Promise<unknown>) => {
          record('transaction');
          return (value as (w: (tx: object) => Promise<unknown>) => Promise<unknown>).call(object, (tx) =>
            work(counting(tx, inside, inside)),
          );
        };
      }
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(object) : value;
    },
  });
}

/** The store seen through a counter; `reset()` starts a new count. */
export function countingStore<S extends Store>(store: S): { store: S; count: StoreCallCount; reset(): void } {
  const count: StoreCallCount = { topLevel: [], inTransactions: [] };
  return {
    store: counting(
      store,
      (call) => count.topLevel.push(call),
      (call) => count.inTransactions.push(call),
    ),
    count,
    reset() {
      count.topLevel.length = 0;
      count.inTransactions.length = 0;
    },
  };
}
