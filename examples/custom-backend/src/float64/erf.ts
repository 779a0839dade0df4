/**
 * The error function in double precision. JavaScript has no `Math.erf`, and the usual
 * float32 approximations (Abramowitz–Stegun, ~1e-7) would defeat the point of a
 * reference backend, so we sum the series
 *
 *   erf(x) = 2/√π · e^(−x²) · Σₙ (2x²)ⁿ · x / (1·3·5···(2n+1))
 *
 * whose terms are all of one sign: no cancellation, so the result keeps ~15 digits.
 * Past |x| = 6, erf(x) is ±1 to double precision (erfc(6) ≈ 2e-17).
 */
export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const ax = Math.abs(x);
  if (ax >= 6) return Math.sign(x);
  const x2 = ax * ax;
  let term = ax;
  let sum = ax;
  // Term ratio is 2x²/(2n+3): it shrinks once n > x², so ~150 terms suffice at |x| = 6.
  for (let n = 0; n < 500 && term > sum * 1e-17; n++) {
    term *= (2 * x2) / (2 * n + 3);
    sum += term;
  }
  const r = (2 / Math.sqrt(Math.PI)) * Math.exp(-x2) * sum;
  return x < 0 ? -r : r;
}
