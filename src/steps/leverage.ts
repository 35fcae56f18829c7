/**
 * Splits the leverage h = 1/n + (x - x̄)ᵀ C (x - x̄) for a design of k numeric columns followed by
 * dummy columns. For a row whose dummies are d (one combination of category levels), with w = u - x̄ₙ
 * the centred numeric part: h = 1/n + wᵀ Cₙₙ w + 2 wᵀ g + c, where g = Cₙd (d - x̄d) and
 * c = (d - x̄d)ᵀ Cdd (d - x̄d). This returns g and c for one combination.
 */
export function groupLeverageTerms(cov: number[][], means: number[], k: number, activeDummies: number[]): { g: number[]; c: number } {
  const p = means.length;
  const dz = new Array<number>(p - k);
  for (let j = k; j < p; j++) dz[j - k] = -means[j];
  for (const a of activeDummies) dz[a - k] += 1;
  const g = new Array<number>(k).fill(0);
  for (let i = 0; i < k; i++) for (let j = k; j < p; j++) g[i] += cov[i][j] * dz[j - k];
  let c = 0;
  for (let i = k; i < p; i++) for (let j = k; j < p; j++) c += dz[i - k] * cov[i][j] * dz[j - k];
  return { g, c };
}
