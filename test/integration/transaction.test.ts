// The one transaction helper: all or nothing, COPY on the same client, deadlocks re-run.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { from as copyFrom } from 'pg-copy-streams';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { createDatabase, pgClient, type Database } from '../../src/infra/database.ts';
import { createTestDatabase } from '../helpers/context.ts';

let tdb: Awaited<ReturnType<typeof createTestDatabase>>;
let d: Database;
const count = async () => Number((await sql<{ n: string }>`SELECT count(*) AS n FROM tx_probe`.execute(d.db)).rows[0]!.n);

beforeAll(async () => {
  tdb = await createTestDatabase();
  d = createDatabase(tdb.ownerUrl, { max: 4 }); // creates its own table: the owner
  await sql`CREATE TABLE tx_probe (id int PRIMARY KEY, v text)`.execute(d.db);
});
afterAll(async () => {
  await d?.close();
  await tdb?.drop();
});

describe('transaction', () => {
  it('commits what the function wrote, Kysely and COPY alike', async () => {
    await d.transaction(async (trx) => {
      await sql`INSERT INTO tx_probe VALUES (1, 'kysely')`.execute(trx);
      await pipeline(Readable.from(['2\tcopy\n']), pgClient(trx).query(copyFrom('COPY tx_probe FROM STDIN')));
    });
    expect(await count()).toBe(2);
  });

  it('leaves nothing behind when the function throws', async () => {
    await expect(
      d.transaction(async (trx) => {
        await sql`INSERT INTO tx_probe VALUES (3, 'half')`.execute(trx);
        throw new Error('stop');
      }),
    ).rejects.toThrow('stop');
    expect(await count()).toBe(2);
  });

  it('refuses pgClient outside a transaction', () => {
    expect(() => pgClient(d.db)).toThrow(/transaction/);
  });

  it('re-runs the loser of a deadlock when asked, and both commit', async () => {
    await sql`INSERT INTO tx_probe VALUES (10, 'a'), (11, 'b')`.execute(d.db);
    let runs = 0;
    // Two transactions lock the same two rows in opposite order: PostgreSQL kills one.
    const cross = (first: number, second: number) =>
      d.transaction(
        async (trx) => {
          runs++;
          await sql`UPDATE tx_probe SET v = v || '+' WHERE id = ${first}`.execute(trx);
          await sql`SELECT pg_sleep(0.3)`.execute(trx);
          await sql`UPDATE tx_probe SET v = v || '+' WHERE id = ${second}`.execute(trx);
        },
        { retries: 2 },
      );
    await Promise.all([cross(10, 11), cross(11, 10)]);
    expect(runs).toBe(3);
    const rows = (await sql<{ v: string }>`SELECT v FROM tx_probe WHERE id IN (10, 11) ORDER BY id`.execute(d.db)).rows;
    expect(rows.map((r) => r.v)).toEqual(['a++', 'b++']);
  });
});
