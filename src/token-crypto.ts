/**
 * Encryption at rest for platform tokens (Slack bot and refresh tokens of OAuth installations).
 *
 * Key: 32 random bytes, given base64-encoded in `TOKEN_ENCRYPTION_KEY` (`openssl rand -base64 32`).
 * Each value is sealed with AES-256-GCM and a fresh random 12-byte IV, and stored as
 * `v1.<key id>.<iv>.<tag>.<ciphertext>` (base64url parts). The key id is the first 8 hex digits of the
 * key's SHA-256: it tells which key sealed a value, so a re-key can tell done rows from those still to do,
 * and a wrong key is reported as such instead of as corrupt data. Nothing here is ever logged.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

const VERSION = 'v1';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** Why a key or a sealed value cannot be used; never carries the key or the plaintext. */
export class TokenCryptoError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TokenCryptoError';
  }
}

/** Why `text` is not a usable key (base64 of exactly 32 bytes), or null when it is. */
export function keyProblem(text: string): string | null {
  const trimmed = text.trim();
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed)) return 'expected base64 (e.g. `openssl rand -base64 32`)';
  const bytes = Buffer.from(trimmed, 'base64');
  if (bytes.length !== KEY_BYTES) return `expected 32 bytes, base64-encoded; this decodes to ${bytes.length}`;
  return null;
}

/** A key to seal and open tokens with. */
export class TokenKey {
  /** First 8 hex digits of the key's SHA-256: names the key in sealed values without revealing it. */
  readonly id: string;
  private readonly bytes: Buffer;

  constructor(base64: string) {
    const problem = keyProblem(base64);
    if (problem) throw new TokenCryptoError(`not a token encryption key: ${problem}`);
    this.bytes = Buffer.from(base64.trim(), 'base64');
    this.id = createHash('sha256').update(this.bytes).digest('hex').slice(0, 8);
  }

  /** Encrypts `plaintext` with a fresh random IV. */
  seal(plaintext: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.bytes, iv);
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [VERSION, this.id, b64(iv), b64(tag), b64(ciphertext)].join('.');
  }

  /** Decrypts a value this key sealed; throws `TokenCryptoError` for another key's value or a tampered one. */
  open(sealed: string): string {
    const parts = sealed.split('.');
    if (parts.length !== 5 || parts[0] !== VERSION) throw new TokenCryptoError('not a sealed token');
    const [, keyId, iv, tag, ciphertext] = parts as [string, string, string, string, string];
    if (keyId !== this.id) {
      throw new TokenCryptoError(`sealed with key ${keyId}, not with this key (${this.id})`);
    }
    const ivBytes = Buffer.from(iv, 'base64url');
    const tagBytes = Buffer.from(tag, 'base64url');
    if (ivBytes.length !== IV_BYTES || tagBytes.length !== TAG_BYTES) {
      throw new TokenCryptoError('not a sealed token');
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.bytes, ivBytes);
      decipher.setAuthTag(tagBytes);
      return Buffer.concat([
        decipher.update(Buffer.from(ciphertext, 'base64url')),
        decipher.final(),
      ]).toString('utf8');
    } catch {
      throw new TokenCryptoError('a sealed token failed its integrity check');
    }
  }
}

/** The id of the key that sealed a value, or null when it is not a sealed value. */
export function sealedKeyId(sealed: string): string | null {
  const parts = sealed.split('.');
  return parts.length === 5 && parts[0] === VERSION ? parts[1]! : null;
}

function b64(bytes: Buffer): string {
  return bytes.toString('base64url');
}
