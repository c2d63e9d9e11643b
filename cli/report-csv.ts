/** The annual report as CSV (RFC 4180): one row per month, then the year's totals. */
import { csvField } from './query-command.ts';
import type { PlantReportDocument, ReportMonth } from './report-schema.ts';

export const REPORT_CSV_FIELDS = [
  'received_t',
  'landfilled_t',
  'recycled_t',
  'fed_t',
  'electricity_generated_mwh',
  'electricity_exported_mwh',
  'heat_exported_mwh',
  'diversion_rate',
  'recycling_rate',
  'net_mwh_per_t',
  'mass_balance_gap',
] as const;

function row(period: string, point: Omit<ReportMonth, 'start' | 'end'>, start: string, end: string): string {
  return [period, start, end, ...REPORT_CSV_FIELDS.map((f) => point[f]), point.complete]
    .map(csvField)
    .join(',');
}

export function reportCsv(report: PlantReportDocument): string {
  const header = ['period', 'start', 'end', ...REPORT_CSV_FIELDS, 'complete'].join(',');
  // Plant-local month labels: the UTC start of a month in a zone east of UTC is still the month before.
  const months = report.months.map((m, i) =>
    row(`${report.year}-${String(i + 1).padStart(2, '0')}`, m, m.start, m.end),
  );
  const totals = row(`${report.year}`, report.totals, report.period.start, report.period.end);
  return [header, ...months, totals].join('\r\n');
}
