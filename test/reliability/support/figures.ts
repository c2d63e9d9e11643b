/**
 * The figures each reliability test reaches: printed as a table when the file
 * ends and written to reports/reliability/<row>.json, so a run leaves the
 * numbers behind (docs/reliability.md quotes them).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SIZE } from './sizes.ts';

export interface Figure {
  readonly name: string;
  readonly value: string | number | boolean;
  /** What the issue asks for, when there is a target. */
  readonly target?: string;
}

const REPORT_DIR = join(process.cwd(), 'reports', 'reliability');

export class Figures {
  private readonly figures: Figure[] = [];
  private readonly started = Date.now();

  constructor(
    /** Short id of the row: fuzz, redelivery, faults, restart, load, authorization, template. */
    readonly row: string,
    readonly title: string,
  ) {}

  add(name: string, value: string | number | boolean, target?: string): void {
    this.figures.push({ name, value, ...(target === undefined ? {} : { target }) });
  }

  /** Prints the table and writes the JSON report. */
  report(): void {
    const seconds = ((Date.now() - this.started) / 1000).toFixed(1);
    const rows = [...this.figures, { name: 'wall time of this file (s)', value: seconds }];
    const width = Math.max(...rows.map((f) => f.name.length));
    const lines = [
      `reliability ${this.row} (size ${SIZE}): ${this.title}`,
      ...rows.map(
        (f) =>
          `  ${f.name.padEnd(width)}  ${String(f.value)}${'target' in f && f.target ? `   (target ${f.target})` : ''}`,
      ),
    ];
    console.log(lines.join('\n'));
    mkdirSync(REPORT_DIR, { recursive: true });
    writeFileSync(
      join(REPORT_DIR, `${this.row}.json`),
      `${JSON.stringify({ row: this.row, title: this.title, size: SIZE, seconds: Number(seconds), at: new Date().toISOString(), figures: this.figures }, null, 2)}\n`,
    );
  }
}

/** A percentage with one decimal, e.g. "100.0 %". */
export function percent(part: number, whole: number): string {
  return whole === 0 ? 'n/a' : `${((100 * part) / whole).toFixed(1)} %`;
}
