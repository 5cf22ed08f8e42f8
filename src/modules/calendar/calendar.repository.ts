import { eq } from 'drizzle-orm';
import type { Executor } from '../../db/client.ts';
import { calendarFeeds } from '../../db/schema.ts';

export type CalendarFeedRow = typeof calendarFeeds.$inferSelect;

/** SQL of the per-user feed secrets. */
export const calendarRepository = {
  async findByUser(db: Executor, userId: string): Promise<CalendarFeedRow | undefined> {
    const [row] = await db.select().from(calendarFeeds).where(eq(calendarFeeds.userId, userId));
    return row;
  },

  async findBySecret(db: Executor, secret: string): Promise<CalendarFeedRow | undefined> {
    const [row] = await db.select().from(calendarFeeds).where(eq(calendarFeeds.secret, secret));
    return row;
  },

  /** Creates the user's feed unless it exists (two first visits at once keep one). @returns the feed. */
  async ensure(db: Executor, row: CalendarFeedRow): Promise<CalendarFeedRow> {
    await db.insert(calendarFeeds).values(row).onConflictDoNothing({ target: calendarFeeds.userId });
    return (await this.findByUser(db, row.userId))!;
  },

  /** Replaces the user's secret (the old URL stops working at once). */
  async replace(db: Executor, row: CalendarFeedRow): Promise<void> {
    await db
      .insert(calendarFeeds)
      .values(row)
      .onConflictDoUpdate({ target: calendarFeeds.userId, set: { secret: row.secret, createdAt: row.createdAt } });
  },

  async eraseUser(db: Executor, userId: string): Promise<void> {
    await db.delete(calendarFeeds).where(eq(calendarFeeds.userId, userId));
  },
};
