/**
 * Monthly cost of the recent telemetry table (docs/recent-telemetry.md), the
 * DynamoDB half of the lake deployment, from what recent-telemetry-metering.ts
 * measured: the items the real store wrote and the Queries its readers made.
 * Pure: prices and measured figures in, dollars out. Prices, sources and the
 * formulas are in docs/performance.md, "Which store costs what".
 *
 * DynamoDB meters (AWS "DynamoDB item sizes and formats" and the on-demand
 * pricing page): an item's size is the UTF-8 bytes of its attribute names
 * plus its values (strings: UTF-8 bytes; binary: raw bytes; numbers: 1 byte
 * per two significant digits plus 1); a write costs 1 WRU per started KB of
 * the item; a Query costs 1 RRU per started 4 KB of the items it reads (the
 * whole items, whatever the projection), half when eventually consistent;
 * storage is billed on the items plus 100 bytes each.
 */

const KB = 1024;
const GB = 1024 ** 3;
const DAYS_PER_MONTH = 30;

/** us-east-1 on-demand, standard table class, as read 2026-12-06 (sources in docs/performance.md). */
export const RECENT_TABLE_PRICES = {
  /** Since the 2024-11-01 on-demand reduction. */
  usdPerMillionWriteUnits: 0.625,
  usdPerMillionReadUnits: 0.125,
  storageUsdPerGBMonth: 0.25,
} as const;

export type RecentTablePrices = { -readonly [K in keyof typeof RECENT_TABLE_PRICES]: number };

/** Bytes DynamoDB adds to each item for storage billing (indexing overhead). */
export const STORAGE_OVERHEAD_BYTES = 100;
/** A Query page stops after 1 MB of items; each page is a request, rounded on its own. */
export const QUERY_PAGE_BYTES = 1024 * KB;

/** The attribute values our items use; anything else is refused so a new type is not mis-sized. */
export type MeteredValue = { readonly S?: string; readonly N?: string; readonly B?: Uint8Array };

/** Size of a DynamoDB number: 1 byte per two significant digits, plus 1 (plus 1 when negative). */
export function numberBytes(text: string): number {
  const digits = text
    .replace(/^-/, '')
    .replace(/[eE].*$/, '')
    .replace('.', '')
    .replace(/^0+/, '')
    .replace(/0+$/, '');
  return Math.ceil(Math.max(1, digits.length) / 2) + 1 + (text.startsWith('-') ? 1 : 0);
}

/** The size DynamoDB bills for an item of S, N and B attributes. */
export function dynamoItemBytes(item: Readonly<Record<string, MeteredValue>>): number {
  let bytes = 0;
  for (const [name, value] of Object.entries(item)) {
    bytes += Buffer.byteLength(name);
    if (value.S !== undefined) bytes += Buffer.byteLength(value.S);
    else if (value.B !== undefined) bytes += value.B.byteLength;
    else if (value.N !== undefined) bytes += numberBytes(value.N);
    else throw new TypeError(`attribute ${name} is not S, N or B: cannot size it`);
  }
  return bytes;
}

/** WRU of one standard write of an item of `bytes`: one per started KB. */
export function writeUnits(bytes: number): number {
  if (!(Number.isSafeInteger(bytes) && bytes > 0))
    throw new RangeError(`an item size must be a positive integer, got ${bytes}`);
  return Math.ceil(bytes / KB);
}

/**
 * RRU of one Query request (one page) that reads `bytes` of items: one per
 * started 4 KB, half when eventually consistent. An empty page still costs
 * the minimum of one unit.
 */
export function queryReadUnits(bytes: number, consistent: boolean): number {
  if (!(Number.isSafeInteger(bytes) && bytes >= 0))
    throw new RangeError(`bytes read must be an integer >= 0, got ${bytes}`);
  return Math.max(1, Math.ceil(bytes / (4 * KB))) * (consistent ? 1 : 0.5);
}

/** One kind of reader, as wired in lambdas/entry/metrics-stores.ts. */
export interface RecentReadFigures {
  readonly reader: string;
  readonly consistent: boolean;
  readonly queries: number;
  readonly bytes: number;
  readonly readUnits: number;
}

/** What the metering measured over `hours` hours of the fleet. */
export interface RecentTableFigures {
  /** Processor calls whose readings were written. */
  readonly calls: number;
  readonly readings: number;
  readonly items: number;
  /** Items stored gzipped (`z`) rather than as JSON (`j`). */
  readonly gzipItems: number;
  readonly itemBytes: number;
  readonly largestItemBytes: number;
  readonly writeUnits: number;
  readonly reads: readonly RecentReadFigures[];
  /** `RECENT_TELEMETRY_HORIZON_DAYS`: how long items are kept. */
  readonly horizonDays: number;
}

export interface RecentTableCost {
  readonly prices: RecentTablePrices;
  readonly itemsPerMonth: number;
  readonly readingsPerItem: number;
  readonly averageItemBytes: number;
  readonly writeUnitsPerMonth: number;
  readonly writeUsdPerMonth: number;
  readonly reads: ReadonlyArray<
    RecentReadFigures & { readonly readUnitsPerMonth: number; readonly usdPerMonth: number }
  >;
  readonly readUsdPerMonth: number;
  /** Items plus 100 B each, over the horizon plus the day an item waits for its day to end. */
  readonly storedGB: number;
  readonly storageUsdPerMonth: number;
  readonly usdPerMonth: number;
}

const usd = (value: number) => Math.round(value * 1e4) / 1e4;

/** The table's monthly cost: the measured `hours` repeated for 30 days, storage at the horizon's steady state. */
export function recentTableCost(
  figures: RecentTableFigures,
  hours: number,
  prices: RecentTablePrices = RECENT_TABLE_PRICES,
): RecentTableCost {
  if (!(hours > 0)) throw new RangeError(`hours must be > 0, got ${hours}`);
  if (!(figures.horizonDays > 0)) throw new RangeError(`horizonDays must be > 0, got ${figures.horizonDays}`);
  const perMonth = (24 / hours) * DAYS_PER_MONTH;
  const writeUnitsPerMonth = figures.writeUnits * perMonth;
  const writeUsd = (writeUnitsPerMonth / 1e6) * prices.usdPerMillionWriteUnits;
  const reads = figures.reads.map((r) => {
    const readUnitsPerMonth = r.readUnits * perMonth;
    return {
      ...r,
      readUnitsPerMonth: Math.round(readUnitsPerMonth),
      usdPerMonth: usd((readUnitsPerMonth / 1e6) * prices.usdPerMillionReadUnits),
    };
  });
  const readUsd = reads.reduce((n, r) => n + (r.readUnitsPerMonth / 1e6) * prices.usdPerMillionReadUnits, 0);
  // An item expires at the end of its UTC day plus the horizon: kept horizon + 1 days at most, + 0.5 on average.
  const storedBytesPerDay = ((figures.itemBytes + figures.items * STORAGE_OVERHEAD_BYTES) * 24) / hours;
  const storedGB = (storedBytesPerDay * (figures.horizonDays + 0.5)) / GB;
  const storageUsd = storedGB * prices.storageUsdPerGBMonth;
  return {
    prices,
    itemsPerMonth: Math.round(figures.items * perMonth),
    readingsPerItem: figures.items === 0 ? 0 : Math.round((figures.readings / figures.items) * 100) / 100,
    averageItemBytes: figures.items === 0 ? 0 : Math.round(figures.itemBytes / figures.items),
    writeUnitsPerMonth: Math.round(writeUnitsPerMonth),
    writeUsdPerMonth: usd(writeUsd),
    reads,
    readUsdPerMonth: usd(readUsd),
    storedGB: Math.round(storedGB * 100) / 100,
    storageUsdPerMonth: usd(storageUsd),
    usdPerMonth: usd(writeUsd + readUsd + storageUsd),
  };
}
