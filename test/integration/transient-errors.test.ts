// Which database errors are "away for now" (503 and retry) rather than a defect (500), taken from
// a real server's answers. Regression: with its connections used up under the full suite's load,
// PostgreSQL refused new ones (53300) and the answer was a 500.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, withClient } from '../helpers/context.ts';
import { isTransientDatabaseError } from '../../src/infra/database.ts';

let db: Awaited<ReturnType<typeof createTestDatabase>>;

beforeAll(async () => {
  db = await createTestDatabase();
}, 60_000);
afterAll(async () => db?.drop());

async function connectError(url: string): Promise<unknown> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await c.connect();
    await c.end();
    return null;
  } catch (e) {
    return e;
  }
}

describe('transient database errors', () => {
  it('no connections left (53300) is transient', async () => {
    await withClient(db.ownerUrl, (c) => c.query(`ALTER DATABASE "${db.name}" CONNECTION LIMIT 0`));
    try {
      const err = await connectError(db.url);
      expect(err).toMatchObject({ code: '53300' });
      expect(isTransientDatabaseError(err)).toBe(true);
    } finally {
      await withClient(db.ownerUrl, (c) => c.query(`ALTER DATABASE "${db.name}" CONNECTION LIMIT -1`));
    }
  });

  it('nothing listening is transient; a wrong statement is not', async () => {
    expect(isTransientDatabaseError(await connectError('postgres://postgres@127.0.0.1:1/none'))).toBe(true);
    const err = await withClient(db.url, (c) =>
      c.query('SELECT no_such_column FROM pensioners').then(
        () => null,
        (e: unknown) => e,
      ),
    );
    expect(err).toMatchObject({ code: '42703' });
    expect(isTransientDatabaseError(err)).toBe(false);
  });
});
