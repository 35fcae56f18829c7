import { expect } from 'chai';
import { assembleDesignStats, type GroupSums } from '../../../src/steps/design-stats.ts';
import { designColumns, type CategoricalParams, type NumericParams } from '../../../src/steps/fit-params.ts';
import { fitOls, sufficientStatsFromRows, type SufficientStats } from '../../../src/stats/ols.ts';
import { near, rng } from './rng.ts';

interface Row {
  x: number[];
  levels: (string | null)[];
  y: number;
}

const num = (name: string): NumericParams => ({ name, mean: 0, std: 1, lo: -Infinity, hi: Infinity });

/** The per-group sums the grouped SQL aggregate (design_sums.sql) returns, computed row by row. */
function groupSums(rows: Row[], k: number): GroupSums[] {
  const groups = new Map<string, GroupSums>();
  for (const r of rows) {
    const key = JSON.stringify(r.levels);
    let g = groups.get(key);
    if (!g) {
      g = { levels: r.levels, n: 0, sumY: 0, sumYY: 0, sumX: new Array(k).fill(0), sumXY: new Array(k).fill(0), sumXXUpper: new Array((k * (k + 1)) / 2).fill(0) };
      groups.set(key, g);
    }
    g.n++;
    g.sumY += r.y;
    g.sumYY += r.y * r.y;
    let t = 0;
    for (let i = 0; i < k; i++) {
      g.sumX[i] += r.x[i];
      g.sumXY[i] += r.x[i] * r.y;
      for (let j = i; j < k; j++) g.sumXXUpper[t++] += r.x[i] * r.x[j];
    }
  }
  return [...groups.values()];
}

/** The expanded design row: numerics, then a 0/1 dummy per non-reference level (null or unknown → all zero). */
function expand(r: Row, cats: CategoricalParams[]): number[] {
  return [...r.x, ...cats.flatMap((c, ci) => c.levels.slice(1).map((l) => (r.levels[ci] === l ? 1 : 0)))];
}

function expectSameStats(got: SufficientStats, want: SufficientStats, rel: number): void {
  expect(got.featureNames).to.deep.equal(want.featureNames);
  expect(got.n).to.equal(want.n);
  const p = want.featureNames.length;
  const check = (a: number, b: number, label: string) => expect(near(a, b, rel), `${label}: ${a} vs ${b}`).to.equal(true);
  check(got.sumY, want.sumY, 'sumY');
  check(got.sumYY, want.sumYY, 'sumYY');
  for (let i = 0; i < p; i++) {
    check(got.sumX[i], want.sumX[i], `sumX[${want.featureNames[i]}]`);
    check(got.sumXY[i], want.sumXY[i], `sumXY[${want.featureNames[i]}]`);
    for (let j = 0; j < p; j++) check(got.sumXX[i][j], want.sumXX[i][j], `sumXX[${want.featureNames[i]}][${want.featureNames[j]}]`);
  }
}

function randomRows(n: number, k: number, cats: CategoricalParams[], seed: number, extraLevels: (string | null)[] = []): Row[] {
  const r = rng(seed);
  return Array.from({ length: n }, (_, i) => {
    // Numerics with different offsets and scales; y depends on everything so Σxy is not trivial.
    const x = Array.from({ length: k }, (_, j) => (j + 1) * 10 + (j + 1) * r.normal());
    const levels = cats.map((c) => c.levels[r.int(c.levels.length)] as string | null);
    if (extraLevels.length && i % 17 === 0) levels[0] = extraLevels[(i / 17) % extraLevels.length];
    const y = 3 + x.reduce((s, v, j) => s + (j - 1) * 0.5 * v, 0) + levels.length + r.normal();
    return { x, levels, y };
  });
}

describe('steps: assembleDesignStats (XᵀX from per-group sums)', () => {
  const cats: CategoricalParams[] = [
    { name: 'region', levels: ['Abruzzo', 'Lazio', 'Lombardia', 'Veneto'] },
    { name: 'sector', levels: ['agriculture', 'energy', 'industry'] },
  ];
  const numerics = ['temperature_c', 'energy_mwh', 'activity_index'].map(num);

  it('equals the sums computed directly over the expanded design matrix (3 numerics, 3 + 2 dummies, n = 600)', () => {
    const rows = randomRows(600, 3, cats, 1);
    const got = assembleDesignStats({ numerics, categoricals: cats }, groupSums(rows, 3));
    const names = designColumns({ numerics, categoricals: cats });
    expect(names).to.deep.equal(['temperature_c', 'energy_mwh', 'activity_index', 'region=Lazio', 'region=Lombardia', 'region=Veneto', 'sector=energy', 'sector=industry']);
    const want = sufficientStatsFromRows(names, rows.map((r) => expand(r, cats)), rows.map((r) => r.y));
    // Same sums in another order: agreement to ~1e-15 relative; 1e-12 leaves room for the summation order.
    expectSameStats(got, want, 1e-12);
    // Spot checks against the definition: Σ region=Lazio = its row count; Σ region=Lazio·sector=energy = rows with both.
    const lazio = rows.filter((r) => r.levels[0] === 'Lazio');
    expect(got.sumX[3]).to.equal(lazio.length);
    expect(got.sumXX[3][6]).to.equal(lazio.filter((r) => r.levels[1] === 'energy').length);
    expect(got.sumXX[6][3]).to.equal(got.sumXX[3][6]);
    // Two levels of one categorical never occur together.
    expect(got.sumXX[3][4]).to.equal(0);
  });

  it('gives the same OLS fit as the row-level sums (coefficients to 1e-10 relative)', () => {
    const rows = randomRows(400, 3, cats, 2);
    const names = designColumns({ numerics, categoricals: cats });
    const a = fitOls(assembleDesignStats({ numerics, categoricals: cats }, groupSums(rows, 3)));
    const b = fitOls(sufficientStatsFromRows(names, rows.map((r) => expand(r, cats)), rows.map((r) => r.y)));
    expect(a.featureNames).to.deep.equal(names);
    a.coefficients.forEach((c, j) => expect(near(c, b.coefficients[j], 1e-10, 1e-6), names[j]).to.equal(true));
    expect(near(a.intercept, b.intercept, 1e-10)).to.equal(true);
  });

  it('codes a null level (and a level missing from the fitted levels) as the reference: all-zero dummies', () => {
    const rows = randomRows(300, 2, cats, 3, [null, 'Molise']);
    const two = numerics.slice(0, 2);
    const got = assembleDesignStats({ numerics: two, categoricals: cats }, groupSums(rows, 2));
    const want = sufficientStatsFromRows(designColumns({ numerics: two, categoricals: cats }), rows.map((r) => expand(r, cats)), rows.map((r) => r.y));
    expectSameStats(got, want, 1e-12);
    expect(rows.some((r) => r.levels[0] === null) && rows.some((r) => r.levels[0] === 'Molise')).to.equal(true);
  });

  it('handles designs without numerics, without categoricals, and a single-level categorical', () => {
    const one: CategoricalParams[] = [{ name: 'sector', levels: ['energy'] }, cats[0]];
    const rowsA = randomRows(200, 0, one, 4);
    const a = assembleDesignStats({ numerics: [], categoricals: one }, groupSums(rowsA, 0));
    expect(a.featureNames).to.deep.equal(['region=Lazio', 'region=Lombardia', 'region=Veneto']);
    expectSameStats(a, sufficientStatsFromRows(a.featureNames, rowsA.map((r) => expand(r, one)), rowsA.map((r) => r.y)), 1e-12);

    const rowsB = randomRows(200, 3, [], 5);
    const b = assembleDesignStats({ numerics, categoricals: [] }, groupSums(rowsB, 3));
    expect(b.featureNames).to.deep.equal(numerics.map((n) => n.name));
    expectSameStats(b, sufficientStatsFromRows(b.featureNames, rowsB.map((r) => r.x), rowsB.map((r) => r.y)), 1e-12);
  });
});
