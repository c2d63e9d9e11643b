/**
 * A plant in the CDK context (`-c plants='[{"plantId":"kz-ast-01", ...}]'`):
 * id, name, time zone, the alert thresholds, its R1 inputs (config-r1.ts),
 * its jurisdiction and its own diversion and recycling targets
 * (lambdas/domain/targets.ts, docs/kpis.md "Targets").
 */
import * as z from 'zod';
import { DEFAULT_PLANT_SETTINGS, type PlantConfig } from '../lambdas/domain/plant.ts';
import { type KpiTarget, TARGET_KPIS } from '../lambdas/domain/targets.ts';
import { PLANT_ID_PATTERN } from '../lambdas/domain/telemetry.ts';
import { integerSetting, numberSetting, settingsObject, textSetting } from './config-fields.ts';
import { r1Settings } from './config-r1.ts';

export const plantIdSetting = textSetting(PLANT_ID_PATTERN, 'a plant id (1 to 64 characters of [a-z0-9-])');

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

const target = settingsObject(
  {
    kpi: z.enum(TARGET_KPIS as [KpiTarget['kpi'], ...KpiTarget['kpi'][]], {
      error: `one of ${TARGET_KPIS.join(', ')}`,
    }),
    rate: z
      .number({ error: 'a share above 0 and at most 1' })
      .gt(0, { error: 'a share above 0 and at most 1' })
      .lte(1, { error: 'a share above 0 and at most 1' }),
    year: integerSetting(2000, 2100, 'a year from 2000 to 2100'),
    source: z
      .string({ error: 'who set the target, 1 to 300 characters' })
      .refine((text) => text.trim().length > 0 && text.length <= 300, {
        error: 'who set the target, 1 to 300 characters',
      }),
  },
  'an object { kpi, rate, year, source }',
);

const targets = z
  .array(target, { error: 'an array of { kpi, rate, year, source }' })
  .superRefine((list, ctx) => {
    const seen = new Set<string>();
    list.forEach((item, i) => {
      if (seen.has(item.kpi))
        ctx.addIssue({ code: 'custom', path: [i, 'kpi'], message: 'one target per KPI', input: item.kpi });
      seen.add(item.kpi);
    });
  });

const d = DEFAULT_PLANT_SETTINGS;

/** A plant id alone, or an object with plantId and any of the settings; the others default. */
export const plantSetting = z.preprocess(
  // A plant id alone is { plantId }; a setting given as null takes its default, as before zod.
  (value) =>
    typeof value === 'string'
      ? { plantId: value }
      : typeof value === 'object' && value !== null && !Array.isArray(value)
        ? Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null))
        : value,
  settingsObject(
    {
      plantId: plantIdSetting,
      name: z
        .string({ error: 'a name of 1 to 128 characters' })
        .min(1, { error: 'a name of 1 to 128 characters' })
        .max(128, { error: 'a name of 1 to 128 characters' })
        .optional(),
      timeZone: z
        .string({ error: 'an IANA time zone' })
        .refine(isTimeZone, { error: 'an IANA time zone' })
        .default(d.timeZone),
      diversionTarget: numberSetting(0, 1).default(d.diversionTarget),
      diversionMinReceivedT: numberSetting(0, 100_000).default(d.diversionMinReceivedT),
      diversionDeadband: numberSetting(0, 1).default(d.diversionDeadband),
      combustionMinTempC: numberSetting(0, 2000).default(d.combustionMinTempC),
      combustionOnDelayMinutes: numberSetting(1, 1440).default(d.combustionOnDelayMinutes),
      staleAfterMinutes: numberSetting(1, 10_080).default(d.staleAfterMinutes),
      dayCompleteAfterMinutes: numberSetting(0, 1440).default(d.dayCompleteAfterMinutes as number),
      r1: r1Settings.optional(),
      jurisdiction: textSetting(/^[A-Z]{2}$/, 'an ISO 3166-1 alpha-2 country code such as KZ').optional(),
      targets: targets.optional(),
    },
    'a plant id or an object with plantId',
  ).transform(
    ({ plantId, name, timeZone, r1, jurisdiction, targets, ...numbers }): PlantConfig => ({
      // The key order of before the zod schema: plants reach the templates as JSON.
      ...DEFAULT_PLANT_SETTINGS,
      ...numbers,
      plantId,
      name: name ?? plantId,
      timeZone,
      ...(r1 === undefined ? {} : { r1 }),
      ...(jurisdiction === undefined ? {} : { jurisdiction }),
      ...(targets === undefined ? {} : { targets }),
    }),
  ),
);
