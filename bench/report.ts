/** The goals of issue #8 checked against a run, and the run as a readable table. */
import type { BenchResults, Goal } from './results.ts';
import type { Spread } from './stats.ts';

type Sections = Pick<BenchResults, 'processor' | 'timestream' | 'bundles' | 'memory' | 'local'>;

export const GOALS = {
  costVsParse: 3,
  callsVsNaive: 50,
  iotRuleVsOurs: 3.5,
  oursVsFloor: 1.15,
  bundleOverBaselineBytes: 150 * 1024,
  initVsBaseline: 1.3,
  peakRssMB: 256,
  localReadingsPerSec: 5_000,
  localP99Ms: 2_000,
  localQueryableReadingsPerSec: 20_000,
  localTicketsPerSec: 2_000,
  localTicketsCountedAfterMs: 5_000,
} as const;

const fixed = (value: number, digits = 1) =>
  value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const whole = (value: number) => Math.round(value).toLocaleString('en-US');
const kib = (bytes: number) => `${fixed(bytes / 1024, 0)} KiB`;

/** `processor (lake)` as `processor-lake`: goal ids stay free of spaces. */
const goalName = (bundle: string) => bundle.replace(/ \((\w+)\)$/, '-$1');

export function goalsOf(s: Sections): Goal[] {
  const goals: Goal[] = [];
  const add = (id: string, description: string, target: string, value: string, met: boolean) =>
    goals.push({ id, description, target, value, met });
  if (s.processor)
    add(
      'processor.costVsParse',
      'processor time per reading over JSON.parse time per reading',
      `<= ${GOALS.costVsParse}`,
      fixed(s.processor.costVsParse, 2),
      s.processor.costVsParse <= GOALS.costVsParse,
    );
  if (s.timestream) {
    const t = s.timestream;
    add(
      'timestream.callsVsNaive',
      'WriteRecords calls, naive over ours',
      `>= ${GOALS.callsVsNaive}x`,
      `${fixed(t.callsVsNaive)}x`,
      t.callsVsNaive >= GOALS.callsVsNaive,
    );
    add(
      'timestream.iotRuleVsOurs',
      'billed KiB, IoT rule action over ours',
      `>= ${GOALS.iotRuleVsOurs}x`,
      `${fixed(t.iotRuleVsOurs, 2)}x`,
      t.iotRuleVsOurs >= GOALS.iotRuleVsOurs,
    );
    add(
      'timestream.oursVsFloor',
      'billed KiB, ours over the floor',
      `<= ${GOALS.oursVsFloor}x`,
      `${fixed(t.oursVsFloor, 2)}x`,
      t.oursVsFloor <= GOALS.oursVsFloor,
    );
  }
  for (const b of s.bundles ?? []) {
    const over = b.bytes - b.baselineBytes;
    add(
      `bundles.${goalName(b.name)}.overBaseline`,
      `${b.name} bundle over its SDK-only baseline`,
      `<= ${kib(GOALS.bundleOverBaselineBytes)}`,
      kib(over),
      over <= GOALS.bundleOverBaselineBytes,
    );
    add(
      `bundles.${goalName(b.name)}.init`,
      `${b.name} init over its SDK-only baseline`,
      `<= ${GOALS.initVsBaseline}x`,
      `${fixed(b.initVsBaseline, 2)}x`,
      b.initVsBaseline <= GOALS.initVsBaseline,
    );
  }
  if (s.memory)
    add(
      'memory.peakRssMB',
      `peak RSS, processor as deployed (${whole(s.memory.memorySizeMB)} MB, heap limit ${whole(s.memory.heapLimitMB)} MB), batch of ${whole(s.memory.batchMessages)} messages`,
      `<= ${GOALS.peakRssMB} MB`,
      `${whole(s.memory.peakRssMB)} MB`,
      s.memory.peakRssMB <= GOALS.peakRssMB,
    );
  if (s.local) {
    add(
      'local.readingsPerSec',
      `local mode, accepted readings/s, ${s.local.concurrency} gateways back to back`,
      `>= ${whole(GOALS.localReadingsPerSec)}`,
      whole(s.local.readingsPerSec),
      s.local.readingsPerSec >= GOALS.localReadingsPerSec,
    );
    add(
      'local.saturated.queryableReadingsPerSec',
      `local mode, queryable readings/s, ${s.local.concurrency} gateways back to back`,
      `>= ${whole(GOALS.localQueryableReadingsPerSec)}`,
      whole(s.local.saturated.queryableReadingsPerSec),
      s.local.saturated.queryableReadingsPerSec >= GOALS.localQueryableReadingsPerSec,
    );
    add(
      'local.saturated.p99IngestToQueryableMs',
      'local mode, p99 from 202 to queryable, back to back (backpressure bounds it)',
      `<= ${whole(GOALS.localP99Ms)} ms`,
      `${whole(s.local.saturated.p99IngestToQueryableMs)} ms`,
      s.local.saturated.p99IngestToQueryableMs <= GOALS.localP99Ms,
    );
    add(
      'local.p99IngestToQueryableMs',
      `local mode, p99 from 202 to queryable at ${whole(Number(s.local.paced.offeredReadingsPerSec))} readings/s offered`,
      `<= ${whole(GOALS.localP99Ms)} ms`,
      `${whole(s.local.p99IngestToQueryableMs)} ms`,
      s.local.p99IngestToQueryableMs <= GOALS.localP99Ms,
    );
    const t = s.local.tickets;
    if (t) {
      add(
        'local.tickets.ticketsPerSecCounted',
        `local mode, tickets counted/s, ${t.concurrency} gateways back to back (${t.ticketsPerMessage} tickets + ${t.readingsPerMessage} readings a message)`,
        `>= ${whole(GOALS.localTicketsPerSec)}`,
        whole(t.ticketsPerSecCounted),
        t.ticketsPerSecCounted >= GOALS.localTicketsPerSec,
      );
      add(
        'local.tickets.countedAfterLast202Ms',
        'local mode, every accepted ticket counted once, ms after the last 202',
        `<= ${whole(GOALS.localTicketsCountedAfterMs)} ms`,
        t.countedAfterLast202Ms === null
          ? `never (${whole(t.ticketsCounted)} of ${whole(t.ticketsAccepted)})`
          : `${whole(t.countedAfterLast202Ms)} ms`,
        t.countedAfterLast202Ms !== null &&
          t.countedAfterLast202Ms <= GOALS.localTicketsCountedAfterMs &&
          t.ticketsCounted === t.ticketsAccepted,
      );
    }
  }
  return goals;
}

type Row = [string, string, string, string, string];

function table(header: Row, rows: readonly Row[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]?.length ?? 0)));
  const line = (r: Row) =>
    r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

const spreadRow = (label: string, s: Spread, format: (v: number) => string): Row => [
  label,
  format(s.min),
  format(s.median),
  format(s.max),
  '',
];
const single = (label: string, value: string): Row => [label, '', value, '', ''];

export function formatResults(r: BenchResults): string {
  const rows: Row[] = [];
  if (r.processor) {
    const p = r.processor;
    rows.push(spreadRow('processor, readings/s (one core, CPU time)', p.readingsPerSecSpread, whole));
    rows.push(spreadRow('JSON.parse alone, readings/s', p.jsonParseReadingsPerSecSpread, whole));
    rows.push(spreadRow('costVsParse', p.costVsParseSpread, (v) => fixed(v, 2)));
  }
  if (r.timestream) {
    const t = r.timestream;
    rows.push(single(`timestream: ${t.plants} plants, ${t.hours} h, ${whole(t.readings)} readings`, ''));
    rows.push(single('  ours: calls / billed KiB', `${whole(t.calls)} / ${whole(t.billedKiB)}`));
    rows.push(single('  naive: calls / billed KiB', `${whole(t.naiveCalls)} / ${whole(t.naiveBilledKiB)}`));
    rows.push(
      single(
        '  IoT rule action: calls / billed KiB',
        `${whole(t.iotRuleCalls)} / ${whole(t.iotRuleBilledKiB)}`,
      ),
    );
    rows.push(single('  floor (measure names and values only): billed KiB', whole(t.floorBilledKiB)));
    rows.push(single('  our records packed ideally: billed KiB', whole(t.recordsPackedBilledKiB)));
    rows.push(
      single(
        '  write cost / month: ours, naive, IoT rule, floor',
        `$${fixed(t.monthlyWriteCostUsd.ours, 2)}, $${fixed(t.monthlyWriteCostUsd.naive, 2)}, $${fixed(t.monthlyWriteCostUsd.iotRule, 2)}, $${fixed(t.monthlyWriteCostUsd.floor, 2)}`,
      ),
    );
    const l = t.lakeCost;
    rows.push(
      single(
        '  lake (Firehose): calls / records / billed GB a month',
        `${whole(t.lake.calls)} / ${whole(t.lake.records)} / ${fixed(l.firehose.billedGBPerMonth, 1)} (${fixed(l.firehose.roundingFactor, 1)}x sent)`,
      ),
    );
    rows.push(
      single(
        '  lake / month: Firehose, S3 Tables, Athena',
        `$${fixed(l.firehose.usdPerMonth, 2)}, $${fixed(l.s3Tables.usdPerMonth, 2)}, $${fixed(l.athena.usdPerMonth, 2)}`,
      ),
    );
    if (l.recentTable) {
      const r = l.recentTable;
      rows.push(
        single(
          '  recent table: items / WRU / stored GB a month',
          `${whole(r.itemsPerMonth)} / ${whole(r.writeUnitsPerMonth)} / ${fixed(r.storedGB, 1)}`,
        ),
      );
      rows.push(
        single(
          '  recent table / month: writes, reads, storage',
          `$${fixed(r.writeUsdPerMonth, 2)}, $${fixed(r.readUsdPerMonth, 2)}, $${fixed(r.storageUsdPerMonth, 2)}`,
        ),
      );
    }
    const c = t.monthlyStoreCostUsd;
    rows.push(
      single(
        '  store / month: lake (Iceberg + recent table), LiveAnalytics writes, InfluxDB smallest',
        `$${fixed(c.lakeIceberg, 2)} + $${fixed(c.lakeRecentTable, 2)} = $${fixed(c.lake, 2)}, $${fixed(c.timestreamLiveAnalyticsWrites, 2)}, $${fixed(c.influxDbSmallest, 2)}`,
      ),
    );
  }
  for (const b of r.bundles ?? []) {
    rows.push(
      single(
        `bundle ${b.name}: size (gzip), over baseline`,
        `${kib(b.bytes)} (${kib(b.gzipBytes)}), ${kib(b.bytes - b.baselineBytes)}`,
      ),
    );
    rows.push(spreadRow(`  init ms`, b.initSpread, (v) => fixed(v)));
    rows.push(
      spreadRow(`  baseline init ms (${b.sdkClients.length} SDK clients)`, b.baselineInitSpread, (v) =>
        fixed(v),
      ),
    );
  }
  if (r.memory) {
    const m = r.memory;
    rows.push(
      spreadRow(
        `peak RSS MB, batch of ${whole(m.batchMessages)} messages (${whole(m.readings)} readings), as deployed`,
        m.peakRssSpread,
        whole,
      ),
    );
    rows.push(single(`  as deployed: ${whole(m.memorySizeMB)} MB, NODE_OPTIONS=${m.nodeOptions}`, ''));
    rows.push(spreadRow("  same, node's default heap", m.defaultHeap.peakRssSpread, whole));
  }
  if (r.local) {
    for (const [name, phase] of [
      ['saturated', r.local.saturated],
      ['paced', r.local.paced],
    ] as const) {
      const offered =
        phase.offeredReadingsPerSec === 'max'
          ? 'back to back'
          : `${whole(phase.offeredReadingsPerSec)} readings/s offered`;
      rows.push(
        single(`local ${name} (${r.local.concurrency} gateways, ${offered}, ${phase.durationS} s)`, ''),
      );
      rows.push(
        single(
          phase.sendingS < phase.durationS
            ? `  accepted readings/s (all messages sent in ${fixed(phase.sendingS)} s)`
            : '  accepted readings/s',
          whole(phase.readingsPerSec),
        ),
      );
      rows.push(single('  queryable readings/s (within the window)', whole(phase.queryableReadingsPerSec)));
      rows.push(
        single(
          '  202 to queryable p50 / p99 ms',
          `${whole(phase.p50IngestToQueryableMs)} / ${whole(phase.p99IngestToQueryableMs)}${phase.notQueryable > 0 ? ` (${whole(phase.notQueryable)} never)` : ''}`,
        ),
      );
      rows.push(single('  refused (503, sent again after Retry-After)', whole(phase.refused)));
    }
    const t = r.local.tickets;
    if (t) {
      rows.push(
        single(
          `local tickets (${t.concurrency} gateways back to back, ${t.ticketsPerMessage} tickets + ${t.readingsPerMessage} readings a message, ${t.durationS} s)`,
          '',
        ),
      );
      rows.push(
        single('  tickets accepted / counted', `${whole(t.ticketsAccepted)} / ${whole(t.ticketsCounted)}`),
      );
      rows.push(single('  tickets counted/s (first send to all counted)', whole(t.ticketsPerSecCounted)));
      rows.push(
        single(
          '  all counted, ms after the last 202',
          t.countedAfterLast202Ms === null ? 'never' : whole(t.countedAfterLast202Ms),
        ),
      );
      rows.push(single('  refused (503, sent again after Retry-After)', whole(t.refused)));
    }
  }
  const goals = table(
    ['Goal', 'target', 'reached', 'met', ''],
    r.goals.map((g): Row => [g.description, g.target, g.value, g.met ? 'yes' : 'NO', '']),
  );
  const errors = Object.entries(r.errors).map(([suite, message]) => `${suite} failed: ${message}`);
  return [
    `wte bench (${r.mode}) ${r.generatedAt}, node ${r.machine.node}, ${r.machine.cpus} x ${r.machine.cpuModel}, load ${r.machine.loadAverage.start} -> ${r.machine.loadAverage.end}`,
    '',
    table(['Figure', 'min', 'median', 'max', ''], rows),
    '',
    goals,
    ...(errors.length > 0 ? ['', ...errors] : []),
  ].join('\n');
}
