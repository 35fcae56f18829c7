/**
 * Edit distance with adjacent transpositions (optimal string alignment): "trian" is one edit from "train",
 * "numerc" one from "numeric".
 */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/**
 * The candidates closest to `word` (case-insensitive), best first: within about a third of the word's length in
 * edits (at least 1, at most 3), or a candidate the word is a prefix of (`--typ` → `--type`). Empty when nothing is close.
 */
export function closest(word: string, candidates: Iterable<string>, max = 1): string[] {
  const w = word.toLowerCase();
  const limit = Math.min(3, Math.max(1, Math.round(w.length / 3)));
  const scored: { c: string; d: number }[] = [];
  for (const c of new Set(candidates)) {
    if (c === word) continue;
    const lc = c.toLowerCase();
    const d = lc === w ? 0 : w.length >= 2 && lc.startsWith(w) ? 0.5 : editDistance(w, lc);
    if (d <= limit) scored.push({ c, d });
  }
  return scored.sort((x, y) => x.d - y.d || x.c.localeCompare(y.c)).slice(0, max).map((s) => s.c);
}

/** "did you mean 'x'?" for the closest candidate, or '' when none is close. */
export function didYouMean(word: string, candidates: Iterable<string>, quote = (s: string) => `'${s}'`): string {
  const [best] = closest(word, candidates);
  return best === undefined ? '' : `did you mean ${quote(best)}?`;
}
