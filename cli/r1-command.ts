import { MWH_TO_GJ, r1EnergyEfficiency } from '../lambdas/domain/r1.ts';
import { type CliIo, UsageError } from './io.ts';

export interface R1Options {
  readonly 'electricity-mwh'?: string;
  readonly 'heat-mwh'?: string;
  readonly 'fuel-gj'?: string;
  readonly 'imported-gj'?: string;
  readonly 'waste-t'?: string;
  readonly ncv?: string;
  readonly hdd?: string;
  readonly permitted?: string;
  readonly 'in-operation-since'?: string;
  readonly year?: string;
  readonly json?: boolean;
}

function numberOption(options: R1Options, name: keyof R1Options, fallback?: number): number {
  const raw = options[name];
  if (raw === undefined || raw === true || raw === false) {
    if (fallback !== undefined) return fallback;
    throw new UsageError(`--${name} is required`);
  }
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0)
    throw new UsageError(`--${name} must be a non-negative number; got ${raw}`);
  return value;
}

/** `wte r1 ...`: the EU R1 energy-efficiency figure from annual totals. */
export function r1Command(io: CliIo, options: R1Options): number {
  const permittedOn = options.permitted;
  if (!permittedOn) throw new UsageError('--permitted YYYY-MM-DD is required');
  const result = r1EnergyEfficiency({
    electricityProducedGJ: numberOption(options, 'electricity-mwh') * MWH_TO_GJ,
    heatCommercialGJ: numberOption(options, 'heat-mwh', 0) * MWH_TO_GJ,
    fuelInputGJ: numberOption(options, 'fuel-gj', 0),
    importedGJ: numberOption(options, 'imported-gj', 0),
    wasteEnergyGJ: numberOption(options, 'waste-t') * numberOption(options, 'ncv'),
    heatingDegreeDays: numberOption(options, 'hdd'),
    permittedOn,
    ...(options['in-operation-since'] ? { inOperationSince: options['in-operation-since'] } : {}),
    calculationYear: numberOption(options, 'year'),
  });
  if (options.json) {
    io.out(JSON.stringify(result, null, 2));
  } else {
    io.out(
      `R1 = ${result.r1.toFixed(3)} (uncorrected ${result.uncorrected.toFixed(3)} x CCF ${result.climateCorrectionFactor})`,
    );
    io.out(
      `threshold ${result.threshold}: ${result.qualifiesAsRecovery ? 'qualifies as recovery (R1)' : 'does not qualify: disposal (D10)'}`,
    );
  }
  return 0;
}
