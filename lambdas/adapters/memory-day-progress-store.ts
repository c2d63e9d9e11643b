/**
 * An in-process DayProgressStore with the same rules as the DynamoDB one
 * (latest arrival wins, `late` sticks, settle only when unchanged). For
 * one-process tools such as `wte backtest`, where nothing outlives the run.
 */
import type { DayArrival, DayProgressStore, PlantProgress } from '../domain/ports.ts';

const dayKey = (plantId: string, start: number) => `${plantId}\u0000${start}`;

export class MemoryDayProgressStore implements DayProgressStore {
  private readonly days = new Map<string, DayArrival>();
  private readonly frontiers = new Map<string, number>();
  private readonly liveFrontiers = new Map<string, number>();
  private readonly lateArrivals = new Map<string, number>();

  async recordArrival(
    plantId: string,
    days: ReadonlyArray<{ readonly start: number; readonly end: number; readonly late: boolean }>,
    receivedAt: number,
    frontier: number,
    live: boolean,
  ): Promise<void> {
    for (const day of days) {
      const seen = this.days.get(dayKey(plantId, day.start));
      this.days.set(dayKey(plantId, day.start), {
        plantId,
        start: day.start,
        end: day.end,
        lastArrivalAt: Math.max(seen?.lastArrivalAt ?? receivedAt, receivedAt),
        late: (seen?.late ?? false) || day.late,
        owed: seen?.owed ?? 0,
      });
    }
    this.frontiers.set(plantId, Math.max(this.frontiers.get(plantId) ?? frontier, frontier));
    if (days.some((d) => d.late))
      this.lateArrivals.set(plantId, Math.max(this.lateArrivals.get(plantId) ?? receivedAt, receivedAt));
    if (live)
      this.liveFrontiers.set(plantId, Math.max(this.liveFrontiers.get(plantId) ?? frontier, frontier));
  }

  async owe(
    plantId: string,
    days: ReadonlyArray<{ readonly start: number; readonly end: number }>,
  ): Promise<void> {
    for (const day of days) {
      const seen = this.days.get(dayKey(plantId, day.start));
      this.days.set(dayKey(plantId, day.start), {
        plantId,
        start: day.start,
        end: day.end,
        lastArrivalAt: seen?.lastArrivalAt ?? 0,
        late: seen?.late ?? false,
        owed: (seen?.owed ?? 0) + 1,
      });
    }
  }

  async progress(plantId: string): Promise<PlantProgress> {
    const frontier = this.frontiers.get(plantId);
    const liveFrontier = this.liveFrontiers.get(plantId);
    const lastLateArrivalAt = this.lateArrivals.get(plantId);
    const days = [...this.days.values()]
      .filter((d) => d.plantId === plantId)
      .sort((a, b) => a.start - b.start);
    return {
      ...(frontier === undefined ? {} : { frontier }),
      ...(liveFrontier === undefined ? {} : { liveFrontier }),
      ...(lastLateArrivalAt === undefined ? {} : { lastLateArrivalAt }),
      days,
    };
  }

  async settle(seen: DayArrival): Promise<boolean> {
    if (!this.unchanged(seen)) return false;
    this.days.delete(dayKey(seen.plantId, seen.start));
    return true;
  }

  async paid(seen: DayArrival): Promise<boolean> {
    if (!this.unchanged(seen)) return false;
    this.days.set(dayKey(seen.plantId, seen.start), { ...seen, owed: 0 });
    return true;
  }

  private unchanged(seen: DayArrival): boolean {
    const now = this.days.get(dayKey(seen.plantId, seen.start));
    return (
      now !== undefined &&
      now.lastArrivalAt === seen.lastArrivalAt &&
      now.late === seen.late &&
      now.owed === seen.owed
    );
  }
}
