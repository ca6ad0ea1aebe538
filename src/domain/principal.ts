// Who is calling: a key's role, the region it is limited to and, for a feed, its sources.

export const ROLES = ['admin', 'bureau', 'staff', 'feed'] as const;
export type Role = (typeof ROLES)[number];

export interface Principal {
  keyId: string;
  name: string;
  role: Role;
  regionPrefix: string | null;
  sources: string[] | null;
}
