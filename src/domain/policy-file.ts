// The one impure corner of the policy: reading a policy document from disk (e.g. a
// bureau-specific policy given by path in configuration, and the archive of past versions). Validation stays in policy.ts.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { loadDefaultPolicy, parsePolicy, PolicyError, type Policy } from './policy.ts';

/** The policy in force: the file POLICY_FILE names, or the one shipped with the service. */
export async function loadPolicyInForce(file: string | undefined): Promise<Policy> {
  return file ? loadPolicyFile(file) : loadDefaultPolicy();
}

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

/**
 * Every policy version ever in force, one `<version>.json` per file (policy/archive): a
 * decision is replayed under the version it records, not under today's.
 */
export async function loadPolicyArchive(dir: string): Promise<Map<string, Policy>> {
  const archive = new Map<string, Policy>();
  for (const f of (await readdir(dir)).filter((n) => n.endsWith('.json')).sort()) {
    const p = await loadPolicyFile(path.join(dir, f));
    if (`${p.version}.json` !== f) throw new PolicyError('version', `${f} holds version ${p.version}: archived policies are named <version>.json`);
    archive.set(p.version, p);
  }
  return archive;
}
