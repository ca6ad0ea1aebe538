// API keys: random secrets shown once, stored as SHA-256 digests. Keys carry 256 bits of
// entropy, so a fast digest is enough (no password-style stretching needed).
import { createHash, randomBytes } from 'node:crypto';

export function newKeySecret(): string {
  return `pk_${randomBytes(32).toString('base64url')}`;
}

export function hashKey(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}
