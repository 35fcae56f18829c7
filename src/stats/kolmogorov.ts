/**
 * Survival function of the two-sided one-sample Kolmogorov–Smirnov statistic D_n,
 * a port of scipy's `scipy.stats.kstwo.sf` (scipy/stats/_ksstats.py, which follows
 * Simard & L'Ecuyer 2011) including the one-sided Smirnov sum that scipy takes from cephes.
 *
 * The branch structure and thresholds are copied from scipy so that `ks_2samp(method='asymp')`
 * p-values agree; only the arithmetic differs (scipy uses long double / double-double in a few
 * places, here ordinary doubles with log-space sums), which moves results by ~1e-12 relative.
 */

import { ldexp, polyval } from './special.ts';

const E128 = 128;
const EP128 = 2 ** 128;
const EM128 = 2 ** -128;
const SQRT_2PI = Math.sqrt(2 * Math.PI);
const LOG_2PI = Math.log(2 * Math.PI);
const MIN_LOG = -708;
const SQRT3 = Math.sqrt(3);
const PI2 = Math.PI ** 2;
const PI4 = Math.PI ** 4;
const PI6 = Math.PI ** 6;
/** cephes MINLOG = log(2^-1075): below this exp() is 0 in double precision. */
const CEPHES_MINLOG = -7.451332191019412076235e2;
/** cephes switches to an approximation of the Smirnov sum above this n. */
const SMIRNOV_MAX_COMPUTE_N = 1_000_000;

const STIRLING = [
  -2.955065359477124183e-2, 6.4102564102564102564e-3, -1.9175269175269175269e-3,
  8.4175084175084175084e-4, -5.952380952380952381e-4, 7.9365079365079365079e-4,
  -2.7777777777777777778e-3, 8.3333333333333333333e-2,
];

const clip01 = (p: number): number => (p < 0 ? 0 : p > 1 ? 1 : p);

/** log(n! / n^n) via Stirling with n·log(n) removed analytically. */
function logNFactorialDivNPowN(n: number): number {
  const rn = 1 / n;
  return Math.log(n) / 2 - n + LOG_2PI / 2 + rn * polyval(STIRLING, rn / n);
}

/**
 * One-sided Smirnov survival function P(D_n^+ ≥ x) (cephes `smirnov`), using the lower
 * Birnbaum–Tingey sum x Σ_{j ≤ n(1−x)} C(n,j) (1−x−j/n)^{n−j} (x+j/n)^{j−1}.
 * All terms are positive; they are accumulated in log space so results down to ~1e-308 keep
 * their relative accuracy.
 */
export function smirnovSf(n: number, x: number): number {
  if (!(n > 0 && x >= 0 && x <= 1)) return Number.NaN;
  if (n === 1) return 1 - x;
  if (x === 0) return 1;
  if (x === 1) return 0;
  const nx = n * x;
  let nxfl = Math.floor(nx);
  let alpha = nx - nxfl;
  if (alpha === 1) {
    nxfl += 1;
    alpha = 0;
  }
  if (nxfl === 0 || (nxfl === 1 && alpha === 0)) {
    const cdf = x * Math.exp((n - 1) * Math.log1p(x));
    return clip01(1 - cdf);
  }
  if (-2 * n * x * x < CEPHES_MINLOG) return 0;
  if (nxfl >= n - 1) return clip01(Math.exp(n * Math.log1p(-x)));
  if (n > SMIRNOV_MAX_COMPUTE_N) return clip01(Math.exp(-((6 * n * x + 1) ** 2) / 18 / n));

  // Terms j = 0 .. floor(n(1−x)); when n·x is an integer the last term is exactly zero.
  // Exponents reach ~n, so every logarithm is taken of a ratio (never log(a) − log(b)) and
  // log C(n, j) is accumulated with Neumaier compensation; otherwise n = 1e5..1e6 would cost
  // ~1e-9 relative accuracy.
  const lastJ = n - nxfl - 1;
  let logC = 0; // log C(n, j) = logC + logCComp
  let logCComp = 0;
  let maxLog = -Infinity;
  let scaledSum = 0; // Σ exp(term − maxLog)
  for (let j = 0; j <= lastJ; j++) {
    const s = nx + j; // n·(x + j/n)
    const rest = n - s; // n·(1 − x − j/n)
    if (rest > 0) {
      const u = s / n;
      const logBase1 = u < 0.5 ? Math.log1p(-u) : Math.log(rest / n);
      const logTerm = logC + logCComp + (n - j) * logBase1 + (j - 1) * Math.log(u);
      if (logTerm > maxLog) {
        scaledSum = scaledSum * Math.exp(maxLog - logTerm) + 1;
        maxLog = logTerm;
      } else {
        const rel = Math.exp(logTerm - maxLog);
        scaledSum += rel;
        // Same early exit as cephes: the remaining terms cannot change the sum.
        if (4 * (lastJ + 1 - j) * rel < Number.EPSILON * scaledSum && j !== lastJ) break;
      }
    }
    const inc = Math.log((n - j) / (j + 1));
    const t = logC + inc;
    logCComp += Math.abs(logC) >= Math.abs(inc) ? logC - t + inc : inc - t + logC;
    logC = t;
  }
  return clip01(Math.exp(Math.log(x) + maxLog + Math.log(scaledSum)));
}

/** Pr(D_n ≤ d) by the Durbin matrix algorithm as organised by Marsaglia, Tsang & Wang (2003). */
function kolmognDMTW(n: number, d: number): number {
  if (d >= 1) return 1;
  const nd = n * d;
  if (nd <= 0.5) return 0;
  const k = Math.ceil(nd);
  const h = k - nd;
  const m = 2 * k - 1;

  const v = new Float64Array(m);
  const w = new Float64Array(m);
  let fac = 1;
  for (let j = 1; j <= m; j++) {
    v[j - 1] = 1 - h ** j;
    w[j - 1] = fac;
    fac /= j;
    v[j - 1] *= fac;
  }
  const tt = Math.max(2 * h - 1, 0) ** m - 2 * h ** m;
  v[m - 1] = (1 + tt) * fac;

  let H: Float64Array<ArrayBuffer> = new Float64Array(m * m);
  for (let i = 1; i < m; i++) {
    for (let r = i - 1; r < m; r++) H[r * m + i] = w[r - (i - 1)];
  }
  for (let r = 0; r < m; r++) H[r * m] = v[r];
  for (let c = 0; c < m; c++) H[(m - 1) * m + c] = v[m - 1 - c];

  const matmul = (A: Float64Array, B: Float64Array): Float64Array<ArrayBuffer> => {
    const C = new Float64Array(m * m);
    for (let i = 0; i < m; i++) {
      for (let l = 0; l < m; l++) {
        const a = A[i * m + l];
        if (a === 0) continue;
        for (let j = 0; j < m; j++) C[i * m + j] += a * B[l * m + j];
      }
    }
    return C;
  };

  let Hpwr: Float64Array<ArrayBuffer> = new Float64Array(m * m);
  for (let i = 0; i < m; i++) Hpwr[i * m + i] = 1;
  let nn = n;
  let expnt = 0;
  let Hexpnt = 0;
  while (nn > 0) {
    if (nn % 2) {
      Hpwr = matmul(Hpwr, H);
      expnt += Hexpnt;
    }
    H = matmul(H, H);
    Hexpnt *= 2;
    if (Math.abs(H[(k - 1) * m + (k - 1)]) > EP128) {
      for (let i = 0; i < H.length; i++) H[i] /= EP128;
      Hexpnt += E128;
    }
    nn = Math.floor(nn / 2);
  }

  let p = Hpwr[(k - 1) * m + (k - 1)];
  // Multiply by n!/n^n, rescaling so the running product does not underflow.
  for (let i = 1; i <= n; i++) {
    p = (i * p) / n;
    if (Math.abs(p) < EM128) {
      p *= EP128;
      expnt -= E128;
    }
  }
  if (expnt !== 0) p = ldexp(p, expnt);
  return clip01(p);
}

function pomeranzJ1J2(i: number, n: number, ll: number, ceilf: number, roundf: number): [number, number] {
  let j1: number;
  let j2: number;
  if (i === 0) {
    j1 = -ll - ceilf - 1;
    j2 = ll + ceilf - 1;
  } else {
    const ip1div2 = Math.floor((i + 1) / 2);
    const ip1mod2 = (i + 1) % 2;
    if (ip1mod2 === 0) {
      if (ip1div2 === n + 1) {
        j1 = n - ll - ceilf - 1;
        j2 = n + ll + ceilf - 1;
      } else {
        j1 = ip1div2 - 1 - ll - roundf - 1;
        j2 = ip1div2 + ll - 1 + ceilf - 1;
      }
    } else {
      j1 = ip1div2 - 1 - ll - 1;
      j2 = ip1div2 + ll + roundf - 1;
    }
  }
  return [Math.max(j1 + 2, 0), Math.min(j2, n)];
}

/** Pr(D_n ≤ x) by the Pomeranz (1974) recursion. */
function kolmognPomeranz(n: number, x: number): number {
  const t = n * x;
  const ll = Math.floor(t);
  const f = t - ll;
  const g = Math.min(f, 1 - f);
  const ceilf = f > 0 ? 1 : 0;
  const roundf = f > 0.5 ? 1 : 0;
  const npwrs = 2 * (ll + 1);
  const gpower = new Float64Array(npwrs);
  const twogpower = new Float64Array(npwrs);
  const onem2gpower = new Float64Array(npwrs);
  gpower[0] = 1;
  twogpower[0] = 1;
  onem2gpower[0] = 1;
  let expnt = 0;
  const gOverN = g / n;
  const twoGOverN = (2 * g) / n;
  const oneMinusTwoGOverN = (1 - 2 * g) / n;
  for (let m = 1; m < npwrs; m++) {
    gpower[m] = (gpower[m - 1] * gOverN) / m;
    twogpower[m] = (twogpower[m - 1] * twoGOverN) / m;
    onem2gpower[m] = (onem2gpower[m - 1] * oneMinusTwoGOverN) / m;
  }

  let V0 = new Float64Array(npwrs);
  let V1 = new Float64Array(npwrs);
  V1[0] = 1;
  let V0s = 0;
  let V1s = 0;

  let [j1, j2] = pomeranzJ1J2(0, n, ll, ceilf, roundf);
  for (let i = 1; i < 2 * n + 2; i++) {
    const k1 = j1;
    [V0, V1] = [V1, V0];
    [V0s, V1s] = [V1s, V0s];
    V1.fill(0);
    [j1, j2] = pomeranzJ1J2(i, n, ll, ceilf, roundf);
    const pwrs = i === 1 || i === 2 * n + 1 ? gpower : i % 2 ? twogpower : onem2gpower;
    const ln2 = j2 - k1 + 1;
    if (ln2 > 0) {
      // numpy.convolve(V0[k1-V0s : k1-V0s+ln2], pwrs[:ln2]), only the entries that are kept.
      const aStart = k1 - V0s;
      const aLen = Math.max(0, Math.min(aStart + ln2, npwrs) - aStart);
      const bLen = Math.min(ln2, npwrs);
      const convStart = j1 - k1;
      const convLen = j2 - j1 + 1;
      let vmax = -Infinity;
      for (let c = 0; c < convLen; c++) {
        const idx = convStart + c;
        let s = 0;
        const lo = Math.max(0, idx - bLen + 1);
        const hi = Math.min(aLen - 1, idx);
        for (let a = lo; a <= hi; a++) s += V0[aStart + a] * pwrs[idx - a];
        V1[c] = s;
      }
      for (let c = 0; c < npwrs; c++) if (V1[c] > vmax) vmax = V1[c];
      if (vmax > 0 && vmax < EM128) {
        for (let c = 0; c < npwrs; c++) V1[c] *= EP128;
        expnt -= E128;
      }
      V1s = V0s + j1 - k1;
    }
  }

  let ans = V1[n - V1s];
  for (let m = 1; m <= n; m++) {
    if (Math.abs(ans) > EP128) {
      ans *= EM128;
      expnt += E128;
    }
    ans *= m;
  }
  if (expnt !== 0) ans = ldexp(ans, expnt);
  return clip01(ans);
}

/** Pelz–Good (1976) asymptotic approximation of Pr(D_n ≤ x). */
function kolmognPelzGood(n: number, x: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const z = Math.sqrt(n) * x;
  const z2 = z ** 2;
  const z3 = z ** 3;
  const z4 = z ** 4;
  const z6 = z ** 6;

  const qlog = -PI2 / 8 / z2;
  if (qlog < MIN_LOG) return 0;
  let q = Math.exp(qlog);

  const k1a = -z2;
  const k1b = PI2 / 4;
  const k2a = 6 * z6 + 2 * z4;
  const k2b = ((2 * z4 - 5 * z2) * PI2) / 4;
  const k2c = (PI4 * (1 - 2 * z2)) / 16;
  const k3d = (PI6 * (5 - 30 * z2)) / 64;
  const k3c = (PI4 * (-60 * z2 + 212 * z4)) / 16;
  const k3b = (PI2 * (135 * z4 - 96 * z6)) / 4;
  const k3a = -30 * z6 - 90 * z ** 8;

  const K = [0, 0, 0, 0];
  // Horner scheme for Σ c_k q^{(2k-1)^2}, a sum over odd integers.
  const maxk = Math.ceil((16 * z) / Math.PI);
  for (let k = maxk; k > 0; k--) {
    const m = 2 * k - 1;
    const m2 = m ** 2;
    const m4 = m ** 4;
    const m6 = m ** 6;
    const qpower = q ** (8 * k);
    const coeffs = [
      1,
      k1a + k1b * m2,
      k2a + k2b * m2 + k2c * m4,
      k3a + k3b * m2 + k3c * m4 + k3d * m6,
    ];
    for (let i = 0; i < 4; i++) K[i] = K[i] * qpower + coeffs[i];
  }
  const divisors = [z, 6 * z4, 72 * z ** 7, 6480 * z ** 10];
  for (let i = 0; i < 4; i++) K[i] = (K[i] * q * SQRT_2PI) / divisors[i];

  // Remaining sums over all integers k for K2 and K3.
  q = Math.exp(-PI2 / 2 / z2);
  const sqrt3z = SQRT3 * z;
  let k2extra = 0;
  let k3extra = 0;
  for (let k = maxk; k > 0; k--) {
    const k2 = k * k;
    const qp = q ** k2;
    k2extra += k2 * qp;
    const kpi = Math.PI * k;
    k3extra += (sqrt3z + kpi) * (sqrt3z - kpi) * k2 * qp;
  }
  K[2] += (k2extra * PI2 * SQRT_2PI) / (-36 * z3);
  K[3] += (k3extra * PI2 * SQRT_2PI) / (216 * z6);
  let sum = 0;
  for (let i = 0; i < 4; i++) sum += K[i] / n ** (i / 2);
  return sum;
}

/**
 * Survival function P(D_n ≥ x) of the two-sided Kolmogorov–Smirnov statistic for a sample of
 * size n, equal to `scipy.stats.kstwo.sf(x, n)`.
 *
 * Returns NaN when n is not a positive integer (scipy does the same; `ks_2samp` can hit this
 * only for n = m = 1 with method 'asymp').
 *
 * @param x statistic value
 * @param n sample size (positive integer)
 */
export function kstwoSf(x: number, n: number): number {
  if (!(n >= 1) || !Number.isInteger(n) || Number.isNaN(x)) return Number.NaN;
  // scipy's support is [0.5/n, 1]: at or below the lower end sf = 1, at or above 1 it is 0.
  if (x <= 0.5 / n) return 1;
  if (x >= 1) return 0;
  const t = n * x;
  if (t <= 1) {
    // Ruben–Gambino: for 1/2n <= x <= 1/n the CDF is n!/n^n (2t−1)^n.
    let prob: number;
    if (n <= 140) {
      prob = 1;
      for (let i = 1; i <= n; i++) prob *= i * (1 / n) * (2 * t - 1);
    } else {
      prob = Math.exp(logNFactorialDivNPowN(n) + n * Math.log(2 * t - 1));
    }
    return clip01(1 - prob);
  }
  if (t >= n - 1) return clip01(2 * (1 - x) ** n);
  // For x ≥ 0.5, D_n^+ ≥ x and D_n^- ≥ x cannot both happen, so the two-sided tail is exact.
  if (x >= 0.5) return clip01(2 * smirnovSf(n, x));

  const nxSquared = t * x;
  if (n <= 140) {
    if (nxSquared <= 0.754693) return clip01(1 - kolmognDMTW(n, x));
    if (nxSquared <= 4) return clip01(1 - kolmognPomeranz(n, x));
    return clip01(2 * smirnovSf(n, x));
  }
  if (nxSquared >= 370) return 0;
  if (nxSquared >= 2.2) return clip01(2 * smirnovSf(n, x));
  let cdf: number;
  if (nxSquared >= 18) cdf = 1;
  else if (n <= 100000 && n * x ** 1.5 <= 1.4) cdf = kolmognDMTW(n, x);
  else cdf = kolmognPelzGood(n, x);
  return clip01(1 - cdf);
}
