/**
 * A small in-memory cache for what channels learn about people (profiles, roster roles): at most
 * `maxEntries` entries, the least recently used dropped first, and each entry forgotten `ttlMs` after it
 * was stored. Time is the caller's (the service clock, in epoch ms), so tests move it by hand.
 */
export class BoundedCache<K, V> {
  private readonly entries = new Map<K, { value: V; expiresAt: number }>();

  /**
   * @param maxEntries - most entries kept (at least 1).
   * @param ttlMs - how long an entry is kept after it was set, in ms, unless `set` says otherwise.
   */
  constructor(
    readonly maxEntries: number,
    readonly ttlMs: number,
  ) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1)
      throw new RangeError('maxEntries must be at least 1');
  }

  /** Entries held, expired ones not yet dropped included (they go when read, or when room is needed). */
  get size(): number {
    return this.entries.size;
  }

  /** The value stored for `key`, unless it has expired at `now`; a hit makes it the most recently used. */
  get(key: K, now: number): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    if (entry.expiresAt <= now) return undefined;
    this.entries.set(key, entry);
    return entry.value;
  }

  /** Stores `value` until `now + ttlMs`; beyond the bound, the least recently used entry goes. */
  set(key: K, value: V, now: number, ttlMs = this.ttlMs): void {
    this.entries.delete(key);
    this.entries.set(key, { value, expiresAt: now + ttlMs });
    if (this.entries.size > this.maxEntries) {
      // A Map iterates in insertion order, and every hit is re-inserted: the first key is the coldest.
      const coldest = this.entries.keys().next();
      if (!coldest.done) this.entries.delete(coldest.value);
    }
  }

  delete(key: K): void {
    this.entries.delete(key);
  }
}
