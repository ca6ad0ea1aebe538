// The one impure corner of the policy: reading a policy document from disk (e.g. a
// bureau-specific policy given by path in configuration). Validation stays in policy.ts.
import { readFile } from 'node:fs/promises';
import { parsePolicy, PolicyError, type Policy } from './policy.ts';

export async function loadPolicyFile(path: string): Promise<Policy> {
  const text = await readFile(path, 'utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new PolicyError('', `${path} is not valid JSON: ${(e as Error).message}`);
  }
  return parsePolicy(json);
}
