import { expect } from 'chai';
import { groupLeverageTerms } from '../../../src/steps/leverage.ts';
import { near, rng } from './rng.ts';

/** A random symmetric positive definite p×p matrix: AAᵀ/p + 0.1·I. */
function randomSpd(p: number, r: ReturnType<typeof rng>): number[][] {
  const A = Array.from({ length: p }, () => Array.from({ length: p }, () => r.normal()));
  return A.map((row, i) => A.map((other, j) => row.reduce((s, v, t) => s + v * other[t], 0) / p + (i === j ? 0.1 : 0)));
}

function quad(C: number[][], d: number[]): number {
  let s = 0;
  for (let i = 0; i < d.length; i++) for (let j = 0; j < d.length; j++) s += d[i] * C[i][j] * d[j];
  return s;
}

/**
 * h = 1/n + (x − x̄)ᵀ C (x − x̄) directly, and from the group terms: 1/n + wᵀ Cₙₙ w + 2 wᵀ g + c with w = u − x̄ₙ.
 * `blocks` gives the dummy columns of each categorical (position ranges after the k numerics).
 */
function checkRandom(k: number, blocks: number[], seed: number, trials = 40): number {
  const r = rng(seed);
  const p = k + blocks.reduce((a, b) => a + b, 0);
  const n = 5000;
  let worst = 0;
  for (let t = 0; t < trials; t++) {
    const C = randomSpd(p, r);
    const means = Array.from({ length: p }, (_, j) => (j < k ? 3 * r.normal() : r.uniform() / 2));
    const u = Array.from({ length: k }, () => 2 * r.normal());
    // One level per categorical: the reference (no dummy) or one of its dummies.
    const active: number[] = [];
    let off = k;
    for (const size of blocks) {
      const pick = r.int(size + 1) - 1;
      if (pick >= 0) active.push(off + pick);
      off += size;
    }
    const x = [...u, ...Array.from({ length: p - k }, (_, j) => (active.includes(k + j) ? 1 : 0))];
    const direct = 1 / n + quad(C, x.map((v, j) => v - means[j]));
    const { g, c } = groupLeverageTerms(C, means, k, active);
    expect(g).to.have.length(k);
    const w = u.map((v, i) => v - means[i]);
    const Cnn = C.slice(0, k).map((row) => row.slice(0, k));
    const split = 1 / n + quad(Cnn, w) + 2 * w.reduce((s, v, i) => s + v * g[i], 0) + c;
    expect(near(split, direct, 1e-12, 1e-12), `trial ${t}: split ${split} vs direct ${direct}`).to.equal(true);
    worst = Math.max(worst, Math.abs(split - direct) / direct);
  }
  return worst;
}

describe('steps: groupLeverageTerms (leverage split into numeric and per-level-combination terms)', () => {
  it('reproduces 1/n + (x − x̄)ᵀC(x − x̄) for random SPD C: 4 numerics, two categoricals (3 and 2 dummies)', () => {
    checkRandom(4, [3, 2], 11);
  });

  it('works with one categorical of many levels, and with dummies only (k = 0)', () => {
    checkRandom(2, [19], 12);
    checkRandom(0, [4, 3], 13);
  });

  it('without dummies the group terms vanish: g = 0, c = 0', () => {
    const C = randomSpd(3, rng(14));
    const { g, c } = groupLeverageTerms(C, [1, 2, 3], 3, []);
    expect(g).to.deep.equal([0, 0, 0]);
    expect(c).to.equal(0);
  });

  it('for a reference-level row the dummy part is d = −x̄_d: c = x̄_dᵀ C_dd x̄_d and g = −C_nd x̄_d', () => {
    // k = 1, one dummy: C = [[2, 0.5], [0.5, 4]], x̄ = [10, 0.25].
    const { g, c } = groupLeverageTerms([[2, 0.5], [0.5, 4]], [10, 0.25], 1, []);
    expect(g[0]).to.be.closeTo(-0.125, 1e-15); // 0.5 · (0 − 0.25)
    expect(c).to.be.closeTo(0.25, 1e-15); // 0.25² · 4
    const on = groupLeverageTerms([[2, 0.5], [0.5, 4]], [10, 0.25], 1, [1]);
    expect(on.g[0]).to.be.closeTo(0.375, 1e-15); // 0.5 · (1 − 0.25)
    expect(on.c).to.be.closeTo(2.25, 1e-15); // 0.75² · 4
  });
});
