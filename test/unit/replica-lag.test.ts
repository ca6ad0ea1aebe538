// The standby's lag and a key's pending write, from the positions the poll sees (no servers).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createLagTracker } from '../../src/infra/read-replica.ts';

describe('replica lag', () => {
  it('is unknown (infinite) until the standby has been seen at or past a primary position', () => {
    const t = createLagTracker(2000);
    expect(t.lagMs(0)).toBe(Infinity);
    t.primaryAt(0, 100n);
    expect(t.lagMs(10)).toBe(Infinity);
    t.replayed(99n);
    expect(t.lagMs(10)).toBe(Infinity);
    t.replayed(100n);
    expect(t.lagMs(10)).toBe(10);
  });

  it('counts from the newest sighting of the primary the standby has passed', () => {
    const t = createLagTracker(2000);
    t.primaryAt(0, 100n);
    t.primaryAt(100, 200n);
    t.primaryAt(200, 300n);
    t.replayed(250n);
    expect(t.lagMs(300)).toBe(200); // it has what the primary had at 100, perhaps not at 200
    t.replayed(300n);
    expect(t.lagMs(300)).toBe(100);
  });

  it('holds a key on the primary from its write until the standby has replayed the position seen after it', () => {
    const t = createLagTracker(2000);
    t.primaryAt(0, 100n);
    t.replayed(100n);
    t.pending.set('k', { lsn: null, at: 50 });
    expect(t.waiting('k')).toBe(true);
    t.primaryAt(40, 150n); // asked before the write: says nothing of it
    t.replayed(150n);
    expect(t.waiting('k')).toBe(true);
    t.primaryAt(60, 180n);
    t.replayed(170n);
    expect(t.waiting('k')).toBe(true);
    t.replayed(180n);
    expect(t.waiting('k')).toBe(false);
    expect(t.waiting('other')).toBe(false);
  });

  it('never reports less lag than the standby has (property)', () => {
    // The primary's position grows; the standby replays some prefix. The true staleness is at
    // least "now − the last time the primary was at or below the replay position".
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 1000 }), { minLength: 1, maxLength: 50 }), fc.nat({ max: 60_000 }), (steps, replayFrom) => {
        const t = createLagTracker(1000);
        let lsn = 0n;
        const seen: { at: number; lsn: bigint }[] = [];
        steps.forEach((d, i) => {
          lsn += BigInt(d);
          seen.push({ at: i * 100, lsn });
          t.primaryAt(i * 100, lsn);
        });
        const replay = (lsn * BigInt(replayFrom)) / 60_000n;
        t.replayed(replay);
        const now = steps.length * 100;
        const passed = seen.filter((s) => s.lsn <= replay).at(-1);
        // Sightings older than twice the bound may be forgotten: then it only says "too far behind".
        const lag = t.lagMs(now);
        if (passed) expect(lag === Infinity || lag >= now - passed.at).toBe(true);
        else expect(lag).toBe(Infinity);
      }),
    );
  });
});
