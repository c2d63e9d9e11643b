/** A plant's R1 report inputs in the CDK context (`plants[i].r1`, PlantConfig.r1; docs/report.md). */
import * as z from 'zod';
import type { R1Settings } from '../lambdas/domain/plant.ts';
import { numberSetting, settingsObject } from './config-fields.ts';

const date = z
  .string({ error: 'a date YYYY-MM-DD' })
  .regex(/^\d{4}-\d{2}-\d{2}$/, { error: 'a date YYYY-MM-DD' })
  .refine((text) => !Number.isNaN(Date.parse(text)), { error: 'a date YYYY-MM-DD' });

/** The R1 report inputs: numbers with their bounds, dates as YYYY-MM-DD, each optional. */
export const r1Settings: z.ZodType<R1Settings> = settingsObject(
  {
    wasteNcvGJPerT: numberSetting(0, 100).optional(),
    importedEnergyGJPerYear: numberSetting(0, 1e9).optional(),
    auxiliaryFuelGJPerYear: numberSetting(0, 1e9).optional(),
    heatingDegreeDays: numberSetting(0, 10_000).optional(),
    permittedOn: date.optional(),
    inOperationSince: date.optional(),
  },
  'an object of R1 inputs',
);
