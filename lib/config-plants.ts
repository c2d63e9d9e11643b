/**
 * A plant in the CDK context (`-c plants='[{"plantId":"kz-ast-01", ...}]'`):
 * id, name, time zone, the alert thresholds, its R1 inputs (config-r1.ts),
 * its jurisdiction and its own diversion and recycling targets
 * (lambdas/domain/targets.ts, docs/kpis.md "Targets").
 */
import { DEFAULT_PLANT_SETTINGS, type PlantConfig } from '../lambdas/domain/plant.ts';
import { type KpiTarget, TARGET_KPIS } from '../lambdas/domain/targets.ts';
import { PLANT_ID_PATTERN } from '../lambdas/domain/telemetry.ts';
import { fail } from './config-error.ts';
import { r1Settings } from './config-r1.ts';

export function plantId(key: string, value: unknown): string {
  if (typeof value !== 'string' || !PLANT_ID_PATTERN.test(value)) {
    fail(key, 'a plant id (1 to 64 characters of [a-z0-9-])', value);
  }
  return value;
}

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

type PlantSetting = keyof typeof DEFAULT_PLANT_SETTINGS;
const NUMERIC_PLANT_SETTINGS: ReadonlyArray<readonly [PlantSetting, number, number]> = [
  ['diversionTarget', 0, 1],
  ['diversionMinReceivedT', 0, 100_000],
  ['diversionDeadband', 0, 1],
  ['combustionMinTempC', 0, 2000],
  ['combustionOnDelayMinutes', 1, 1440],
  ['staleAfterMinutes', 1, 10_080],
  ['dayCompleteAfterMinutes', 0, 1440],
];
const PLANT_KEYS = new Set([
  'plantId',
  'name',
  'timeZone',
  'r1',
  'jurisdiction',
  'targets',
  ...NUMERIC_PLANT_SETTINGS.map(([k]) => k),
]);

export function plant(index: number, value: unknown): PlantConfig {
  const at = `plants[${index}]`;
  if (typeof value === 'string') return plant(index, { plantId: value });
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    fail(at, 'a plant id or an object with plantId', value);
  }
  const entry = value as Record<string, unknown>;
  for (const key of Object.keys(entry)) {
    if (!PLANT_KEYS.has(key)) fail(`${at}.${key}`, `one of ${[...PLANT_KEYS].join(', ')}`, key);
  }
  const id = plantId(`${at}.plantId`, entry.plantId);
  const name = entry.name ?? id;
  if (typeof name !== 'string' || name.length === 0 || name.length > 128) {
    fail(`${at}.name`, 'a name of 1 to 128 characters', name);
  }
  const timeZone = entry.timeZone ?? DEFAULT_PLANT_SETTINGS.timeZone;
  if (typeof timeZone !== 'string' || !isTimeZone(timeZone))
    fail(`${at}.timeZone`, 'an IANA time zone', timeZone);
  const settings: Record<string, number> = {};
  for (const [key, min, max] of NUMERIC_PLANT_SETTINGS) {
    const setting = entry[key] ?? DEFAULT_PLANT_SETTINGS[key];
    if (typeof setting !== 'number' || !Number.isFinite(setting) || setting < min || setting > max) {
      fail(`${at}.${key}`, `a number from ${min} to ${max}`, setting);
    }
    settings[key] = setting;
  }
  const r1 = entry.r1 === undefined ? {} : { r1: r1Settings(`${at}.r1`, entry.r1) };
  const jurisdiction =
    entry.jurisdiction === undefined
      ? {}
      : { jurisdiction: country(`${at}.jurisdiction`, entry.jurisdiction) };
  const targets = entry.targets === undefined ? {} : { targets: kpiTargets(`${at}.targets`, entry.targets) };
  return {
    ...DEFAULT_PLANT_SETTINGS,
    ...settings,
    plantId: id,
    name,
    timeZone,
    ...r1,
    ...jurisdiction,
    ...targets,
  } as PlantConfig;
}

/** An ISO 3166-1 alpha-2 country code, upper case (KZ). */
function country(at: string, value: unknown): string {
  if (typeof value !== 'string' || !/^[A-Z]{2}$/.test(value))
    fail(at, 'an ISO 3166-1 alpha-2 country code such as KZ', value);
  return value;
}

/** `[{ kpi, rate, year, source }]`, one per KPI at most. */
function kpiTargets(at: string, value: unknown): KpiTarget[] {
  if (!Array.isArray(value)) fail(at, 'an array of { kpi, rate, year, source }', value);
  const seen = new Set<string>();
  return value.map((item, i) => {
    const where = `${at}[${i}]`;
    if (typeof item !== 'object' || item === null || Array.isArray(item))
      fail(where, 'an object { kpi, rate, year, source }', item);
    const entry = item as Record<string, unknown>;
    for (const key of Object.keys(entry))
      if (!['kpi', 'rate', 'year', 'source'].includes(key))
        fail(`${where}.${key}`, 'one of kpi, rate, year, source', key);
    const kpi = entry.kpi;
    if (typeof kpi !== 'string' || !(TARGET_KPIS as readonly string[]).includes(kpi))
      fail(`${where}.kpi`, `one of ${TARGET_KPIS.join(', ')}`, kpi);
    if (seen.has(kpi)) fail(`${where}.kpi`, 'one target per KPI', kpi);
    seen.add(kpi);
    const { rate, year, source } = entry;
    if (typeof rate !== 'number' || !(rate > 0 && rate <= 1))
      fail(`${where}.rate`, 'a share above 0 and at most 1', rate);
    if (typeof year !== 'number' || !Number.isInteger(year) || year < 2000 || year > 2100)
      fail(`${where}.year`, 'a year from 2000 to 2100', year);
    if (typeof source !== 'string' || source.trim().length === 0 || source.length > 300)
      fail(`${where}.source`, 'who set the target, 1 to 300 characters', source);
    return { kpi: kpi as KpiTarget['kpi'], rate, year, source };
  });
}
