import { keyProblem, sealedKeyId, TokenCryptoError, TokenKey } from '../src/token-crypto';

const KEY = Buffer.alloc(32, 1).toString('base64');

describe('token encryption at rest', () => {
  it('seals with a fresh IV each time and opens what it sealed', () => {
    const key = new TokenKey(KEY);
    const a = key.seal('xoxb-secret');
    const b = key.seal('xoxb-secret');

    expect(a).not.toBe(b);
    expect(a).not.toContain('xoxb');
    expect(a.split('.')).toHaveLength(5);
    expect(sealedKeyId(a)).toBe(key.id);
    expect(key.id).toMatch(/^[0-9a-f]{8}$/);
    expect(key.open(a)).toBe('xoxb-secret');
    expect(key.open(b)).toBe('xoxb-secret');
  });

  it('refuses a tampered value and one sealed with another key', () => {
    const key = new TokenKey(KEY);
    const sealed = key.seal('xoxb-secret');
    const parts = sealed.split('.');
    const ciphertext = Buffer.from(parts[4]!, 'base64url');
    ciphertext[0] = ciphertext[0]! ^ 1;
    const tampered = [...parts.slice(0, 4), ciphertext.toString('base64url')].join('.');

    expect(() => key.open(tampered)).toThrow(TokenCryptoError);
    expect(() => new TokenKey(Buffer.alloc(32, 2).toString('base64')).open(sealed)).toThrow(
      /not with this key/,
    );
    expect(() => key.open('xoxb-plain')).toThrow(/not a sealed token/);
  });

  it('takes only 32 bytes in base64 as a key', () => {
    expect(keyProblem(KEY)).toBeNull();
    expect(keyProblem(Buffer.alloc(16).toString('base64'))).toMatch(/32 bytes/);
    expect(keyProblem('not base64 at all!')).toMatch(/base64/);
    expect(() => new TokenKey('short')).toThrow(TokenCryptoError);
  });
});
