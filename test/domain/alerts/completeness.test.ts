/** When a plant-local day counts as live, and when as complete (completeness.ts). */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isComplete, isLive } from '../../../lambdas/domain/alerts/completeness.ts';

const MIN = 60_000;
const DAY = { start: 0, end: 24 * 60 * MIN };
const SETTINGS = { settleMinutes: 2, quietMinutes: 4 };

describe('isLive', () => {
  it.each([
    ['during the day', DAY.end - 10 * MIN, true],
    ['within the settle delay after its end', DAY.end + 2 * MIN - 1, true],
    ['once the settle delay after its end has passed', DAY.end + 2 * MIN, false],
    ['a day later', DAY.end + 24 * 60 * MIN, false],
  ])('data received %s: %s', (_when, receivedAt, live) => {
    expect(isLive(DAY, receivedAt, SETTINGS)).toBe(live);
  });
});

describe('isComplete', () => {
  const arrival = (lastArrivalAt: number, late = false) => ({ end: DAY.end, lastArrivalAt, late });
  const plant = (frontier?: number, lastLateArrivalAt?: number) => ({
    ...(frontier === undefined ? {} : { frontier }),
    ...(lastLateArrivalAt === undefined ? {} : { lastLateArrivalAt }),
  });

  it('is never complete before the day is over, whatever the frontier and the quiet', () => {
    expect(isComplete(arrival(0), plant(DAY.end + 60 * MIN), DAY.end - 1, SETTINGS)).toBe(false);
  });

  it('is complete once the frontier passed the end and nothing arrived for the settle delay', () => {
    const last = DAY.end + 60 * MIN;
    expect(isComplete(arrival(last), plant(DAY.end), last + 2 * MIN - 1, SETTINGS)).toBe(false);
    expect(isComplete(arrival(last), plant(DAY.end), last + 2 * MIN, SETTINGS)).toBe(true);
  });

  it('waits for the settle delay after the end of a live day, for its last on-time data', () => {
    // Last message 23:57, the next due at 00:01: not judged on a day still missing 23:57-24:00.
    const last = DAY.end - 3 * MIN;
    expect(isComplete(arrival(last), plant(DAY.end - 1), DAY.end + MIN, SETTINGS)).toBe(false);
    expect(isComplete(arrival(last), plant(DAY.end - 1), DAY.end + 2 * MIN, SETTINGS)).toBe(true);
  });

  it('waits for the quiet period when the frontier has not passed the end', () => {
    const last = DAY.end + 60 * MIN;
    expect(isComplete(arrival(last), plant(DAY.end - 1), last + 4 * MIN - 1, SETTINGS)).toBe(false);
    expect(isComplete(arrival(last), plant(DAY.end - 1), last + 4 * MIN, SETTINGS)).toBe(true);
    expect(isComplete(arrival(last), plant(), last + 4 * MIN, SETTINGS)).toBe(true);
  });

  it("judges a late day only once the plant's late data paused for the quiet period, whatever the frontier", () => {
    const last = DAY.end + 60 * MIN;
    // Another day's late data kept coming: not yet, though this day is quiet and the frontier passed it.
    expect(
      isComplete(arrival(last, true), plant(DAY.end + 1, last + 3 * MIN), last + 5 * MIN, SETTINGS),
    ).toBe(false);
    expect(
      isComplete(arrival(last, true), plant(DAY.end + 1, last + 3 * MIN), last + 7 * MIN, SETTINGS),
    ).toBe(true);
    expect(isComplete(arrival(last, true), plant(DAY.end + 1, last), last + 4 * MIN - 1, SETTINGS)).toBe(
      false,
    );
  });

  it('stays complete as time goes on while nothing new arrives (monotone in now)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 3 * DAY.end }),
        fc.option(fc.integer({ min: 0, max: 3 * DAY.end }), { nil: undefined }),
        fc.integer({ min: 0, max: 3 * DAY.end }),
        fc.integer({ min: 0, max: DAY.end }),
        (last, frontier, now, later) => {
          if (isComplete(arrival(last), plant(frontier), now, SETTINGS)) {
            expect(isComplete(arrival(last), plant(frontier), now + later, SETTINGS)).toBe(true);
          }
        },
      ),
    );
  });
});
