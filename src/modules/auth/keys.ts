// API keys: random secrets shown once, stored as SHA-256 digests. Keys carry 256 bits of
// entropy, so a fast digest is enough (no password-style stretching needed).
import { createHash, randomBytes } from 'node:crypto';

export const ROLES = ['admin', 'bureau', 'staff', 'feed'] as const;
export type Role = (typeof ROLES)[number];

export interface Principal {
  keyId: string;
  name: string;
  role: Role;
  regionPrefix: string | null;
  sources: string[] | null;
}

export function newKeySecret(): string {
  return `pk_${randomBytes(32).toString('base64url')}`;
}

export function hashKey(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}
