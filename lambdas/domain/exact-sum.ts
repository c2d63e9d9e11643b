/**
 * Exact summation of doubles (Shewchuk's non-overlapping partials, the
 * algorithm of Python's `math.fsum`). The running sum is kept as a few
 * doubles whose exact sum is the exact sum of every term added, and
 * `value()` rounds that once, to nearest, ties to even.
 *
 * Why the KPIs need it: a bucket's counter increase is a sum of steps, and
 * floating-point addition is not associative, so adding the steps one by one
 * (raw readings) and adding pre-summed 15-minute slots (the KPI rollup,
 * kpi-rollup.ts) would differ in the last bits. With exact sums both give the
 * correctly rounded total of the same steps, in any order and any grouping,
 * as long as a pre-summed group keeps its partials (`partials()`), not its
 * rounded value.
 *
 * Non-finite terms (never produced by counters, whose readings are finite and
 * at least 0) and overflow make the sum non-finite, as plain addition would.
 */
export class ExactSum {
  /** Non-overlapping, increasing in magnitude, no zeros. */
  private readonly parts: number[] = [];
  /** Plain sum of non-finite terms and of overflowed partials; 0 while everything is finite. */
  private special = 0;

  /** Adds one term. */
  add(term: number): this {
    if (!Number.isFinite(term)) {
      this.special += term;
      return this;
    }
    let x = term;
    let kept = 0;
    for (let j = 0; j < this.parts.length; j++) {
      let y = this.parts[j] as number;
      if (Math.abs(x) < Math.abs(y)) [x, y] = [y, x];
      const hi = x + y;
      if (!Number.isFinite(hi)) {
        // Overflow: the exact sum no longer fits a double; keep the non-finite result.
        this.special += hi;
        this.parts.length = 0;
        return this;
      }
      const lo = y - (hi - x);
      if (lo !== 0) this.parts[kept++] = lo;
      x = hi;
    }
    this.parts.length = kept;
    if (x !== 0) this.parts.push(x);
    return this;
  }

  /** Adds several terms (the partials of another sum, say). */
  addAll(terms: Iterable<number>): this {
    for (const term of terms) this.add(term);
    return this;
  }

  /** The partials: their exact sum is the exact sum so far. Storable; `addAll` them to continue exactly. */
  partials(): number[] {
    return Number.isFinite(this.special) && this.special === 0 ? [...this.parts] : [this.special];
  }

  /** The exact sum, rounded once to the nearest double (ties to even). */
  value(): number {
    if (this.special !== 0 || Number.isNaN(this.special)) return this.special;
    const p = this.parts;
    let n = p.length;
    if (n === 0) return 0;
    let hi = p[--n] as number;
    let lo = 0;
    while (n > 0) {
      const x = hi;
      const y = p[--n] as number;
      hi = x + y;
      lo = y - (hi - x);
      if (lo !== 0) break;
    }
    // Round half to even across partials: the remaining partials say on which side of the tie the sum lies.
    const next = n > 0 ? (p[n - 1] as number) : 0;
    if ((lo < 0 && next < 0) || (lo > 0 && next > 0)) {
      const y = lo * 2;
      const x = hi + y;
      if (y === x - hi) hi = x;
    }
    return hi;
  }
}

/** The correctly rounded sum of `terms`, whatever their order. */
export function exactSum(terms: Iterable<number>): number {
  return new ExactSum().addAll(terms).value();
}
