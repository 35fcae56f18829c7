/** A small seeded PRNG for the step unit tests (mulberry32): the same seed gives the same numbers on every run. */
export { seededRng as rng } from '../../../src/stats/rng.ts';

/** |a − b| ≤ rel·max(|a|, |b|, floor): relative, with an absolute floor for values that are exactly or nearly 0. */
export function near(a: number, b: number, rel: number, floor = 1): boolean {
  return Math.abs(a - b) <= rel * Math.max(Math.abs(a), Math.abs(b), floor);
}
