/**
 * The annual report as one printable A4 HTML document (docs/report.md):
 * totals against targets, monthly charts, the monthly table, data coverage,
 * R1, alerts and the definition of every figure. Self-contained (inline CSS
 * and SVG, no script), so it can be printed to PDF and attached to an EPR or
 * regulator submission as it is.
 */
import { barChart, escapeHtml as e, hasData, rateChart } from './report-charts.ts';
import type { PlantReportDocument } from './report-schema.ts';

const COLORS = {
  received: '#4a6fa5',
  landfilled: '#b5533c',
  recycled: '#3f8f5a',
  diversion: '#4a6fa5',
  recycling: '#3f8f5a',
  electricity: '#c9962b',
  heat: '#8a4f9e',
};

const number = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });
const num = (v: number | null, digits = 1) =>
  v === null ? '–' : new Intl.NumberFormat('en-US', { maximumFractionDigits: digits }).format(v);
const pct = (v: number | null) => (v === null ? '–' : `${(v * 100).toFixed(1)} %`);
const day = (iso: string) => iso.replace('T', ' ').replace(/:\d{2}(\.\d+)?Z$/, ' UTC');
/** A plant-local date, such as 1 January 2026; `exclusive` gives the last day before the instant. */
const localDay = (iso: string, timeZone: string, exclusive = false) =>
  new Intl.DateTimeFormat('en-GB', { timeZone, dateStyle: 'long' }).format(
    Date.parse(iso) - (exclusive ? 1 : 0),
  );
const localTime = (iso: string, timeZone: string) =>
  new Intl.DateTimeFormat('en-GB', { timeZone, dateStyle: 'long', timeStyle: 'short' }).format(
    Date.parse(iso),
  );

/** Every figure of the report, as docs/report.md defines it. */
export const DEFINITIONS: ReadonlyArray<readonly [string, string]> = [
  ['Received (t)', 'Net weight of inbound weighbridge tickets in the period.'],
  ['Landfilled (t)', 'Net weight of outbound tickets with destination landfill.'],
  ['Recycled (t)', 'Net weight of outbound tickets with destination recycling.'],
  [
    'Fed (t)',
    'Waste fed to the furnaces: the increase of the crane-scale waste_fed totalizers (GOOD readings).',
  ],
  [
    'Electricity generated / exported (MWh)',
    'Increase of the gross generation and export meters (GOOD readings).',
  ],
  ['Heat exported (MWh)', 'Increase of the heat export meter (GOOD readings).'],
  [
    'Diversion rate',
    '1 − landfilled ÷ received over the period (policy diversion.gross.v1); never an average of months.',
  ],
  ['Recycling rate', 'Recycled ÷ received over the period.'],
  ['Net MWh/t', 'Electricity exported ÷ waste fed.'],
  [
    'Mass-balance gap',
    '(Received − fed − unburnt outbound) ÷ received: waste unaccounted for, or bunker stock change.',
  ],
  [
    'Months and year',
    'Plant-local calendar months and year; each is the exact sum of its plant-local days, ratios from those sums.',
  ],
  [
    'Coverage',
    'Share of the hours of the period (so far) with at least one GOOD reading of the series; a gap day has at least one hour without one.',
  ],
  [
    'R1',
    'EU energy efficiency (Directive 2008/98/EC Annex II): (2.6 × electricity generated + 1.1 × heat exported − (auxiliary fuel + imported energy)) ÷ (0.97 × (waste fed × net calorific value + auxiliary fuel)), times the climate correction factor of Directive (EU) 2015/1127. Annual settings are scaled to the share of the year covered.',
  ],
  ['Alerts', 'Alerts opened in the period, by type, whatever their state now.'],
];

function totalsSection(r: PlantReportDocument): string {
  const target = (kpi: string) => r.targets.find((t) => t.kpi === kpi);
  const against = (kpi: string, value: number | null) => {
    const t = target(kpi);
    if (t === undefined) return '<td>–</td><td>–</td>';
    const status = value === null ? 'no data' : value >= t.rate ? 'at or above target' : 'below target';
    return `<td>${pct(t.rate)} by ${t.year}</td><td class="${value !== null && value >= t.rate ? 'ok' : 'warn'}">${status}</td>`;
  };
  const t = r.totals;
  const rows: Array<[string, string, string]> = [
    ['Received', `${num(t.received_t)} t`, '<td></td><td></td>'],
    ['Landfilled', `${num(t.landfilled_t)} t`, '<td></td><td></td>'],
    ['Recycled', `${num(t.recycled_t)} t`, '<td></td><td></td>'],
    ['Fed to furnaces', `${num(t.fed_t)} t`, '<td></td><td></td>'],
    ['Diversion rate', pct(t.diversion_rate), against('diversion_rate', t.diversion_rate)],
    ['Recycling rate', pct(t.recycling_rate), against('recycling_rate', t.recycling_rate)],
    ['Electricity generated', `${num(t.electricity_generated_mwh)} MWh`, '<td></td><td></td>'],
    ['Electricity exported', `${num(t.electricity_exported_mwh)} MWh`, '<td></td><td></td>'],
    ['Heat exported', `${num(t.heat_exported_mwh)} MWh`, '<td></td><td></td>'],
    ['Net electricity per tonne fed', `${num(t.net_mwh_per_t, 3)} MWh/t`, '<td></td><td></td>'],
    ['Mass-balance gap', pct(t.mass_balance_gap), '<td></td><td></td>'],
  ];
  const body = rows.map(([k, v, rest]) => `<tr><th>${k}</th><td class="n">${v}</td>${rest}</tr>`).join('');
  return `<section id="totals"><h2>${r.complete ? 'Year' : 'Year to date'}: key figures</h2><table class="totals" data-table="totals"><thead><tr><th>Figure</th><th>Value</th><th>Target</th><th>Status</th></tr></thead><tbody>${body}</tbody></table></section>`;
}

function chartsSection(r: PlantReportDocument): string {
  const until = r.period.until;
  const tonnage = barChart(
    'tonnage',
    'Waste received, landfilled and recycled per month',
    't',
    r.months,
    [
      { label: 'received', color: COLORS.received, value: (m) => m.received_t },
      { label: 'landfilled', color: COLORS.landfilled, value: (m) => m.landfilled_t },
      { label: 'recycled', color: COLORS.recycled, value: (m) => m.recycled_t },
    ],
    until,
  );
  const targets = r.targets.map((t) => ({
    label: `${t.kpi === 'diversion_rate' ? 'diversion' : 'recycling'} target ${pct(t.rate)} by ${t.year}`,
    rate: t.rate,
    color: t.kpi === 'diversion_rate' ? COLORS.diversion : COLORS.recycling,
  }));
  const rates = rateChart(
    'rates',
    'Diversion and recycling rate per month',
    r.months,
    [
      { label: 'diversion rate', color: COLORS.diversion, value: (m) => m.diversion_rate },
      { label: 'recycling rate', color: COLORS.recycling, value: (m) => m.recycling_rate },
    ],
    targets,
    until,
  );
  const energy = barChart(
    'energy',
    'Electricity and heat exported per month',
    'MWh',
    r.months,
    [
      { label: 'electricity exported', color: COLORS.electricity, value: (m) => m.electricity_exported_mwh },
      { label: 'heat exported', color: COLORS.heat, value: (m) => m.heat_exported_mwh },
    ],
    until,
  );
  return `<section id="charts" class="charts"><h2>Month by month</h2><h3>Waste (t)</h3>${tonnage}<h3>Diversion and recycling</h3>${rates}<h3>Energy exported (MWh)</h3>${energy}</section>`;
}

function monthsSection(r: PlantReportDocument): string {
  const rows = r.months
    .map((m, i) => {
      const label = `<th class="month">${r.year}-${String(i + 1).padStart(2, '0')}${m.complete ? '' : ' *'}</th>`;
      if (m.start >= r.period.until) return `<tr class="partial">${label}<td colspan="9">not begun</td></tr>`;
      if (!hasData(m)) return `<tr class="nodata">${label}<td colspan="9">no data recorded</td></tr>`;
      return (
        `<tr${m.complete ? '' : ' class="partial"'}>${label}` +
        [m.received_t, m.landfilled_t, m.recycled_t, m.fed_t, m.electricity_exported_mwh, m.heat_exported_mwh]
          .map((v) => `<td class="n">${num(v)}</td>`)
          .join('') +
        `<td class="n">${pct(m.diversion_rate)}</td><td class="n">${pct(m.recycling_rate)}</td><td class="n">${num(m.net_mwh_per_t, 3)}</td></tr>`
      );
    })
    .join('');
  return `<section id="months"><h2>Monthly figures</h2><table data-table="months"><thead><tr><th>Month</th><th>Received t</th><th>Landfilled t</th><th>Recycled t</th><th>Fed t</th><th>Electricity exp. MWh</th><th>Heat exp. MWh</th><th>Diversion</th><th>Recycling</th><th>Net MWh/t</th></tr></thead><tbody>${rows}</tbody></table><p class="note">* not complete: the month has not ended, or late data may still restate it. "No data recorded": no ticket and no meter increase in the month (see coverage), not a month of zeros.</p></section>`;
}

function coverageSection(r: PlantReportDocument): string {
  const rows = r.coverage.series
    .map((s) => {
      const shown = s.gapDays.slice(0, 6).map((g) => (g.days === 1 ? g.from : `${g.from} to ${g.to}`));
      const more = s.gapDays.length > shown.length ? `, and ${s.gapDays.length - shown.length} more` : '';
      return `<tr><th>${e(s.metric)}</th><td>${e(s.line ?? 'no line reported')}</td><td class="n">${pct(s.share)}</td><td class="n">${number.format(s.goodHours)} / ${number.format(s.hours)}</td><td class="n">${s.gapDayCount}</td><td>${e(shown.join(', ') + more) || '–'}</td></tr>`;
    })
    .join('');
  return `<section id="coverage"><h2>Data coverage</h2><p class="note">${e(r.coverage.basis)}.</p><table data-table="coverage"><thead><tr><th>Series</th><th>Line</th><th>Coverage</th><th>Hours with GOOD data</th><th>Gap days</th><th>Days with gaps</th></tr></thead><tbody>${rows}</tbody></table></section>`;
}

function r1Section(r: PlantReportDocument): string {
  if (r.r1.value === null)
    return `<section id="r1"><h2>R1 energy efficiency</h2><p class="warn">Not computed: ${e(r.r1.reason)}.</p></section>`;
  const x = r.r1;
  const verdict = x.qualifiesAsRecovery
    ? `at or above the ${x.threshold} threshold: recovery operation R1`
    : `below the ${x.threshold} threshold: disposal operation D10`;
  const inputs: Array<[string, string]> = [
    ['Electricity generated (Ep term)', `${num(x.inputs.electricityProducedGJ)} GJ`],
    ['Heat exported for commercial use', `${num(x.inputs.heatCommercialGJ)} GJ`],
    ['Energy in the waste fed (fed × NCV)', `${num(x.inputs.wasteEnergyGJ)} GJ`],
    ['Imported energy (scaled)', `${num(x.inputs.importedGJ)} GJ`],
    ['Auxiliary fuel (scaled)', `${num(x.inputs.fuelInputGJ)} GJ`],
    ['Heating degree days', num(x.inputs.heatingDegreeDays, 0)],
    ['Permitted on', e(x.inputs.permittedOn)],
    ['Share of the year covered', pct(x.yearShare)],
  ];
  const rows = inputs.map(([k, v]) => `<tr><th>${k}</th><td class="n">${v}</td></tr>`).join('');
  return `<section id="r1"><h2>R1 energy efficiency</h2><p><strong data-r1>R1 = ${x.value.toFixed(3)}</strong> (uncorrected ${x.uncorrected.toFixed(3)} × climate factor ${x.climateCorrectionFactor}), ${verdict}${r.complete ? '' : '; year to date'}.</p><table data-table="r1">${rows}</table></section>`;
}

function alertsSection(r: PlantReportDocument): string {
  const rows = Object.entries(r.alerts.byType)
    .map(([type, count]) => `<tr><th>${e(type)}</th><td class="n">${count}</td></tr>`)
    .join('');
  const truncated = r.alerts.truncated
    ? '<p class="warn">More alerts exist than one report reads: counts are a lower bound.</p>'
    : '';
  return `<section id="alerts"><h2>Alerts opened</h2><table data-table="alerts">${rows}<tr><th>Total</th><td class="n">${r.alerts.total}</td></tr></table>${truncated}</section>`;
}

function targetsSection(r: PlantReportDocument): string {
  if (r.targets.length === 0)
    return '<section id="targets"><h2>Targets</h2><p>No target is configured or known for this plant\'s jurisdiction.</p></section>';
  const rows = r.targets
    .map(
      (t) =>
        `<tr><th>${e(t.kpi)}</th><td class="n">${pct(t.rate)} by ${t.year}</td><td>${e(t.source)}</td></tr>`,
    )
    .join('');
  return `<section id="targets"><h2>Targets</h2><table data-table="targets">${rows}</table></section>`;
}

const CSS = `@page{size:A4;margin:14mm 12mm}
*{box-sizing:border-box}body{font:10pt/1.4 "Helvetica Neue",Arial,sans-serif;color:#1d1d1d;margin:0 auto;max-width:186mm;padding:8mm 0}
h1{font-size:17pt;margin:0 0 2mm}h2{font-size:12.5pt;margin:6mm 0 2mm;border-bottom:1px solid #999}h3{font-size:10pt;margin:3mm 0 1mm}
table{border-collapse:collapse;width:100%;font-size:8.5pt}th,td{padding:1mm 1.5mm;border-bottom:1px solid #ddd;text-align:left;vertical-align:top}
td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}.ok{color:#2d6a3e}.warn{color:#a03a1f}
.note{color:#555;font-size:8.5pt}.meta{color:#444}.purpose{border:1px solid #bbb;padding:2mm 3mm;background:#f7f7f7}
tr.partial,tr.nodata{color:#666;font-style:italic}th.month{white-space:nowrap}svg.chart{width:100%;height:auto;display:block}
.grid{stroke:#e4e4e4}.axis{stroke:#555}.tick{font-size:10px;fill:#444}.nodata,.partial{font-size:9px;fill:#888}
.line{stroke-width:2}.target{stroke-dasharray:6 4;stroke-width:1.2}.legend{font-size:8.5pt;margin:1mm 0 3mm}
.legend span{margin-right:4mm}.legend i{display:inline-block;width:3mm;height:3mm;margin-right:1mm;vertical-align:middle}
section{break-inside:avoid}section.charts{break-inside:auto}.charts svg,.charts .legend{break-inside:avoid}
dl{font-size:8.5pt}dt{font-weight:bold;margin-top:1.5mm}dd{margin:0 0 0 4mm}footer{margin-top:6mm;font-size:8pt;color:#555}
@media print{body{padding:0;max-width:none}}`;

export function reportHtml(r: PlantReportDocument, source: string): string {
  const status = r.complete
    ? 'complete calendar year'
    : `year to date, as of ${localTime(r.period.until, r.timezone)}; figures can still change with late data`;
  const definitions = DEFINITIONS.map(([k, v]) => `<dt>${e(k)}</dt><dd>${e(v)}</dd>`).join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${e(`Annual plant report ${r.year}: ${r.name}`)}</title><style>${CSS}</style></head>
<body>
<header><h1>Annual plant report ${r.year}: ${e(r.name)}</h1>
<p class="meta">Plant <strong>${e(r.plantId)}</strong> · time zone ${e(r.timezone)} · period ${e(localDay(r.period.start, r.timezone))} to ${e(localDay(r.period.end, r.timezone, true))} (plant-local calendar year) · ${e(status)}</p>
<p class="purpose">Prepared for extended producer responsibility (EPR) reporting and for submission to the environmental regulator: waste received and its fate, landfill diversion and recycling against the applicable targets, energy recovered, the R1 energy efficiency, how complete the underlying measurements are, and the alerts raised. Every figure is defined at the end of this document.</p></header>
${totalsSection(r)}
${chartsSection(r)}
${monthsSection(r)}
${coverageSection(r)}
${r1Section(r)}
${alertsSection(r)}
${targetsSection(r)}
<section id="definitions"><h2>Definitions</h2><dl>${definitions}</dl></section>
<footer>Generated ${e(day(r.generatedAt))} from ${e(source)} · diversion policy ${e(r.policy)} · tonnages from weighbridge tickets, energies and fed waste from GOOD meter readings.</footer>
</body></html>
`;
}
