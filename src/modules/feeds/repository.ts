// feed_cursors: where each department interface's pulls resume. The cursor moves in the
// transaction that stores the page it ends, so a page is never stored twice or skipped.
import type { Executor } from '../../infra/database.ts';

export function createFeedCursorRepository() {
  return {
    /** The interface's cursor (null before its first page); `forUpdate` holds it until the caller's transaction ends. */
    async get(q: Executor, feed: string, o: { forUpdate?: boolean } = {}): Promise<string | null> {
      const row = await q
        .selectFrom('feed_cursors')
        .select('cursor')
        .where('feed', '=', feed)
        .$if(!!o.forUpdate, (qb) => qb.forUpdate())
        .executeTakeFirst();
      return row?.cursor ?? null;
    },

    async advance(q: Executor, feed: string, cursor: string, at: Date): Promise<void> {
      await q
        .insertInto('feed_cursors')
        .values({ feed, cursor, updated_at: at })
        .onConflict((oc) => oc.column('feed').doUpdateSet((eb) => ({ cursor: eb.ref('excluded.cursor'), updated_at: eb.ref('excluded.updated_at') })))
        .execute();
    },
  };
}
export type FeedCursorRepository = ReturnType<typeof createFeedCursorRepository>;
