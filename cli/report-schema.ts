/**
 * The annual report as the CLI reads it from the API (lambdas/app/report.ts
 * makes it): checked before anything is rendered, so a different server or a
 * changed answer fails with a message instead of a wrong document.
 */
import * as z from 'zod/mini';

const ratio = () => z.nullable(z.number());

const kpiFields = {
  received_t: z.number(),
  landfilled_t: z.number(),
  recycled_t: z.number(),
  fed_t: z.number(),
  electricity_generated_mwh: z.number(),
  electricity_exported_mwh: z.number(),
  heat_exported_mwh: z.number(),
  diversion_rate: ratio(),
  recycling_rate: ratio(),
  net_mwh_per_t: ratio(),
  mass_balance_gap: ratio(),
  complete: z.boolean(),
};

const dateRange = z.object({ from: z.string(), to: z.string(), days: z.number() });

const r1Value = z.object({
  value: z.number(),
  reason: z.null(),
  uncorrected: z.number(),
  climateCorrectionFactor: z.number(),
  threshold: z.number(),
  qualifiesAsRecovery: z.boolean(),
  yearShare: z.number(),
  inputs: z.object({
    electricityProducedGJ: z.number(),
    heatCommercialGJ: z.number(),
    wasteEnergyGJ: z.number(),
    importedGJ: z.number(),
    fuelInputGJ: z.number(),
    heatingDegreeDays: z.number(),
    permittedOn: z.string(),
  }),
});

export const reportSchema = z.object({
  plantId: z.string(),
  name: z.string(),
  year: z.number(),
  timezone: z.string(),
  policy: z.string(),
  period: z.object({ start: z.string(), end: z.string(), until: z.string() }),
  complete: z.boolean(),
  generatedAt: z.string(),
  totals: z.object(kpiFields),
  months: z.array(z.object({ start: z.string(), end: z.string(), ...kpiFields })),
  coverage: z.object({
    basis: z.string(),
    series: z.array(
      z.object({
        metric: z.string(),
        line: z.nullable(z.string()),
        goodHours: z.number(),
        hours: z.number(),
        share: z.number(),
        gapDays: z.array(dateRange),
        gapDayCount: z.number(),
      }),
    ),
  }),
  r1: z.union([r1Value, z.object({ value: z.null(), reason: z.string() })]),
  alerts: z.object({
    byType: z.record(z.string(), z.number()),
    total: z.number(),
    truncated: z.boolean(),
  }),
  targets: z.array(z.object({ kpi: z.string(), rate: z.number(), year: z.number(), source: z.string() })),
});

export type PlantReportDocument = z.infer<typeof reportSchema>;
export type ReportMonth = PlantReportDocument['months'][number];

/** The report, or a message naming the first field that is not what the CLI expects. */
export function readReport(body: unknown): PlantReportDocument | string {
  const parsed = reportSchema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  return `the API answered a report this CLI cannot read (${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'})`;
}
