/** Input checks shared by the statistics; they throw instead of letting NaN leak into reports. */

export function assertFiniteSample(name: string, x: ArrayLike<number>): void {
  if (x.length === 0) throw new RangeError(`${name}: sample must not be empty`);
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i])) throw new RangeError(`${name}: element ${i} is not a finite number (${x[i]})`);
  }
}

/** Checks a histogram: non-negative finite counts. Returns the total. */
export function assertCounts(name: string, counts: ArrayLike<number>): number {
  let total = 0;
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i];
    if (!(c >= 0) || !Number.isFinite(c)) {
      throw new RangeError(`${name}: count ${i} must be a finite number >= 0 (got ${c})`);
    }
    total += c;
  }
  return total;
}

export function assertSameLength(name: string, ...arrays: ArrayLike<number>[]): void {
  const n = arrays[0].length;
  for (const a of arrays) {
    if (a.length !== n) throw new RangeError(`${name}: inputs must have the same length (${arrays.map((x) => x.length).join(' vs ')})`);
  }
}

/** Pooled-value axis of a counts-by-value table: finite and strictly increasing. */
export function assertSortedDistinct(name: string, values: ArrayLike<number>): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) throw new RangeError(`${name}: value ${i} is not finite (${values[i]})`);
    if (i > 0 && !(values[i] > values[i - 1])) {
      throw new RangeError(`${name}: values must be sorted ascending and distinct (index ${i}: ${values[i - 1]} then ${values[i]})`);
    }
  }
}

export function sortedCopy(x: ArrayLike<number>): Float64Array {
  return Float64Array.from(x).sort();
}

/**
 * Checks a counts-by-value table (what `GROUP BY value` returns): equal lengths, strictly increasing
 * values, non-negative counts, and at least one observation on each side. Returns both totals.
 */
export function assertCountsTable(
  name: string,
  values: ArrayLike<number>,
  a: { label: string; counts: ArrayLike<number> },
  b: { label: string; counts: ArrayLike<number> },
  emptyMessage: string,
): [number, number] {
  assertSameLength(name, values, a.counts, b.counts);
  assertSortedDistinct(name, values);
  const n = assertCounts(`${name}(${a.label})`, a.counts);
  const m = assertCounts(`${name}(${b.label})`, b.counts);
  if (n === 0 || m === 0) throw new RangeError(`${name}: ${emptyMessage}`);
  return [n, m];
}
