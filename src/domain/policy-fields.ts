// Reading a policy document's fields: each check names the offending field path, so a bad
// policy file stops the process with a message an operator can act on. Pure.

export class PolicyError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(`policy ${path}: ${message}`);
    this.name = 'PolicyError';
  }
}

export type Obj = Record<string, unknown>;

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** An object whose fields are all among `allowed` (undefined: any field name). */
export function obj(v: unknown, path: string, allowed?: readonly string[]): Obj {
  if (!isObj(v)) throw new PolicyError(path, 'must be an object');
  for (const k of Object.keys(v)) {
    if (allowed && !allowed.includes(k)) throw new PolicyError(join(path, k), 'unknown field');
  }
  return v;
}

export function unit(v: unknown, path: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 1) {
    throw new PolicyError(path, 'must be a number in [0, 1]');
  }
  return v;
}

export function text(v: unknown, path: string): string {
  if (typeof v !== 'string' || v.trim() === '') throw new PolicyError(path, 'must be a non-empty string');
  return v;
}

export function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}
