/** A plant's R1 report inputs in the CDK context (`plants[i].r1`, PlantConfig.r1; docs/report.md). */
import type { R1Settings } from '../lambdas/domain/plant.ts';
import { fail } from './config-error.ts';

/** The R1 report inputs (PlantConfig.r1): numbers with their bounds, dates as YYYY-MM-DD. */
const R1_NUMBERS: ReadonlyArray<readonly [keyof R1Settings, number, number]> = [
  ['wasteNcvGJPerT', 0, 100],
  ['importedEnergyGJPerYear', 0, 1e9],
  ['auxiliaryFuelGJPerYear', 0, 1e9],
  ['heatingDegreeDays', 0, 10_000],
];
const R1_DATES: ReadonlyArray<keyof R1Settings> = ['permittedOn', 'inOperationSince'];

export function r1Settings(at: string, value: unknown): R1Settings {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    fail(at, 'an object of R1 inputs', value);
  const entry = value as Record<string, unknown>;
  const known = [...R1_NUMBERS.map(([k]) => k), ...R1_DATES];
  for (const key of Object.keys(entry))
    if (!(known as string[]).includes(key)) fail(`${at}.${key}`, `one of ${known.join(', ')}`, key);
  const settings: Record<string, number | string> = {};
  for (const [key, min, max] of R1_NUMBERS) {
    const setting = entry[key];
    if (setting === undefined) continue;
    if (typeof setting !== 'number' || !Number.isFinite(setting) || setting < min || setting > max)
      fail(`${at}.${key}`, `a number from ${min} to ${max}`, setting);
    settings[key] = setting;
  }
  for (const key of R1_DATES) {
    const setting = entry[key];
    if (setting === undefined) continue;
    if (
      typeof setting !== 'string' ||
      !/^\d{4}-\d{2}-\d{2}$/.test(setting) ||
      Number.isNaN(Date.parse(setting))
    )
      fail(`${at}.${key}`, 'a date YYYY-MM-DD', setting);
    settings[key] = setting;
  }
  return settings as R1Settings;
}
