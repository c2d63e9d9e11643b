/**
 * EU R1 energy-efficiency formula (Waste Framework Directive 2008/98/EC,
 * Annex II, footnote to R1) with the climate correction factor of Directive
 * (EU) 2015/1127. See docs/reference/domain.md section 2. All energy terms in GJ per year.
 */

export const MWH_TO_GJ = 3.6;

export interface R1Input {
  /** Electricity produced in the year, GJ (gross, as the R1 text says "produced"). */
  readonly electricityProducedGJ: number;
  /** Heat produced for commercial use in the year, GJ. */
  readonly heatCommercialGJ: number;
  /** Energy from fuels contributing to steam production (auxiliary burners), GJ. */
  readonly fuelInputGJ: number;
  /** Energy imported, excluding waste and fuel inputs, GJ. */
  readonly importedGJ: number;
  /** Energy in the treated waste at its net calorific value, GJ. */
  readonly wasteEnergyGJ: number;
  /** Average annual heating degree days over the 20 years before the calculation year. */
  readonly heatingDegreeDays: number;
  /** Date the installation was permitted (ISO date, YYYY-MM-DD). */
  readonly permittedOn: string;
  /** Date the installation went into operation, when it did (ISO date). */
  readonly inOperationSince?: string;
  /** Calendar year the figure is for. */
  readonly calculationYear: number;
}

export interface R1Result {
  /** R1 after the climate correction factor. */
  readonly r1: number;
  /** R1 before the climate correction factor. */
  readonly uncorrected: number;
  readonly climateCorrectionFactor: number;
  /** Ep = 2.6 * electricity + 1.1 * heat, GJ. */
  readonly weightedEnergyProducedGJ: number;
  readonly threshold: 0.6 | 0.65;
  /** `true` when the installation qualifies as recovery (R1) rather than disposal (D10). */
  readonly qualifiesAsRecovery: boolean;
}

export class R1InputError extends Error {
  override readonly name = 'R1InputError';
}

/** Climate correction factor, rounded to 3 decimals (Directive (EU) 2015/1127). */
export function climateCorrectionFactor(hdd: number, permittedOn: string, calculationYear: number): number {
  const oldRegime = permittedOn < '2015-09-01' && calculationYear <= 2029;
  const [atColdest, slope, intercept] = oldRegime ? [1.25, 0.25, 1.698] : [1.12, 0.12, 1.335];
  let ccf: number;
  if (hdd >= 3350) ccf = 1;
  else if (hdd <= 2150) ccf = atColdest;
  else ccf = -(slope / 1200) * hdd + intercept;
  return Math.round(ccf * 1000) / 1000;
}

export function r1EnergyEfficiency(input: R1Input): R1Result {
  for (const [name, value] of Object.entries(input)) {
    if (typeof value === 'number' && (!Number.isFinite(value) || value < 0)) {
      throw new R1InputError(`${name} must be a finite, non-negative number; got ${value}`);
    }
  }
  if (!/^\d{4}-\d{2}-\d{2}$/.test(input.permittedOn)) {
    throw new R1InputError(
      `permittedOn must be an ISO date (YYYY-MM-DD); got ${JSON.stringify(input.permittedOn)}`,
    );
  }
  const denominator = 0.97 * (input.wasteEnergyGJ + input.fuelInputGJ);
  if (denominator === 0) throw new R1InputError('wasteEnergyGJ + fuelInputGJ must be greater than 0');
  const weightedEnergyProducedGJ = 2.6 * input.electricityProducedGJ + 1.1 * input.heatCommercialGJ;
  const uncorrected = (weightedEnergyProducedGJ - (input.fuelInputGJ + input.importedGJ)) / denominator;
  const climate = climateCorrectionFactor(input.heatingDegreeDays, input.permittedOn, input.calculationYear);
  const r1 = uncorrected * climate;
  const before2009 = input.permittedOn < '2009-01-01' && (input.inOperationSince ?? '9999') < '2009-01-01';
  const threshold = before2009 ? 0.6 : 0.65;
  return {
    r1,
    uncorrected,
    climateCorrectionFactor: climate,
    weightedEnergyProducedGJ,
    threshold,
    qualifiesAsRecovery: r1 >= threshold,
  };
}
