import { BoundedCache } from '../../src/channels/bounded-cache';

describe('BoundedCache', () => {
  it('never holds more than its bound, dropping the least recently used first', () => {
    const cache = new BoundedCache<string, number>(3, 60_000);
    cache.set('a', 1, 0);
    cache.set('b', 2, 0);
    cache.set('c', 3, 0);
    expect(cache.get('a', 1)).toBe(1); // `a` is now the most recently used
    cache.set('d', 4, 2);

    expect(cache.size).toBe(3);
    expect(cache.get('b', 3)).toBeUndefined();
    expect([cache.get('a', 3), cache.get('c', 3), cache.get('d', 3)]).toEqual([1, 3, 4]);
  });

  it('forgets an entry once its time to live has passed on the caller’s clock', () => {
    const cache = new BoundedCache<string, string>(10, 1_000);
    cache.set('asha', 'member', 5_000);
    cache.set('ben', 'guest', 5_000, 10_000);

    expect(cache.get('asha', 5_999)).toBe('member');
    expect(cache.get('asha', 6_000)).toBeUndefined();
    expect(cache.size).toBe(1);
    expect(cache.get('ben', 14_999)).toBe('guest');
  });

  it('stays bounded however many distinct keys pass through it', () => {
    const cache = new BoundedCache<number, number>(100, 60_000);
    for (let key = 0; key < 10_000; key += 1) cache.set(key, key, key);

    expect(cache.size).toBe(100);
    expect(cache.get(9_999, 10_000)).toBe(9_999);
  });
});
