// What an operator deploys: the image (Dockerfile), the compose file of a real deployment, and
// dependencies that install without EBADENGINE on the Node versions `engines` names. Docker
// itself is not needed: the files are read and checked for what the README promises.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import semver from 'semver';

const read = (f: string) => readFileSync(new URL(`../../${f}`, import.meta.url), 'utf8');

describe('compose.yaml', () => {
  const compose = parse(read('compose.yaml'), { merge: true }) as {
    services: Record<
      string,
      {
        image?: string;
        build?: unknown;
        command?: string[];
        environment?: Record<string, string>;
        deploy?: { replicas?: number };
        depends_on?: Record<string, { condition: string }>;
      }
    >;
  };
  const s = compose.services;

  it('has PostgreSQL, Redis, a one-off migration, and API and worker replicas', () => {
    expect(s.postgres?.image).toMatch(/^postgres:/);
    expect(s.redis?.image).toMatch(/^redis:/);
    expect(s.migrate?.command).toEqual(['node', 'dist/src/cli.js', 'migrate']);
    expect(s.api?.environment?.ROLE).toBe('api');
    expect(s.worker?.environment?.ROLE).toBe('worker');
    expect(s.api?.deploy?.replicas).toBeGreaterThanOrEqual(2);
    expect(s.worker?.deploy?.replicas).toBeGreaterThanOrEqual(2);
  });

  it("runs the service as pension_app on Redis, never with the owner's credentials, after the migration", () => {
    for (const name of ['api', 'worker']) {
      const env = s[name]!.environment!;
      expect(env.DATABASE_URL).toMatch(/^postgres:\/\/pension_app:/);
      expect(env.REDIS_URL).toMatch(/^redis:\/\//);
      expect(env.MIGRATION_DATABASE_URL).toBeUndefined();
      expect(s[name]!.depends_on?.['service-login']?.condition).toBe('service_completed_successfully');
    }
    expect(s['service-login']!.depends_on?.migrate?.condition).toBe('service_completed_successfully');
  });
});

describe('Dockerfile', () => {
  const file = read('Dockerfile');
  it('runs compiled JavaScript under an init process, as a non-root user with a writable data volume', () => {
    expect(file).toMatch(/RUN npm run build/);
    expect(file).toMatch(/^ENTRYPOINT \["\/usr\/bin\/tini", "--"\]$/m);
    expect(file).toMatch(/^CMD \["node", .*"dist\/src\/main\.js"\]$/m);
    expect(file).not.toMatch(/tsx/);
    expect(file).toMatch(/^USER node$/m);
    expect(file).toMatch(/DATA_DIR=\/data/);
    expect(file).toMatch(/chown node:node \/data/);
    expect(file).toMatch(/^VOLUME \["\/data"\]$/m);
  });
});

describe('dependencies', () => {
  const pkg = JSON.parse(read('package.json')) as { engines: { node: string } };
  const lock = JSON.parse(read('package-lock.json')) as { packages: Record<string, { engines?: { node?: string } | string[] }> };
  it('all run on the lowest Node of `engines` and on Node 20.20 (no EBADENGINE on npm ci)', () => {
    const lowest = semver.minVersion(pkg.engines.node)!.version;
    const needsMore = Object.entries(lock.packages)
      .map(([name, p]) => [name, Array.isArray(p.engines) ? undefined : p.engines?.node] as const)
      .filter(([, range]) => range && !['20.20.0', lowest].every((v) => semver.satisfies(v, range)));
    expect(needsMore).toEqual([]);
  });
});
