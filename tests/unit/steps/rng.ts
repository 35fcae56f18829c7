/** A small seeded PRNG for the step unit tests (mulberry32): the same seed gives the same numbers on every run. */
export function rng(seed: number): { uniform(): number; normal(): number; int(n: number): number } {
  let a = seed >>> 0;
  const uniform = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    uniform,
    normal: () => Math.sqrt(-2 * Math.log(uniform() + 1e-300)) * Math.cos(2 * Math.PI * uniform()),
    int: (n: number) => Math.floor(uniform() * n),
  };
}

/** |a − b| ≤ rel·max(|a|, |b|, floor): relative, with an absolute floor for values that are exactly or nearly 0. */
export function near(a: number, b: number, rel: number, floor = 1): boolean {
  return Math.abs(a - b) <= rel * Math.max(Math.abs(a), Math.abs(b), floor);
}
