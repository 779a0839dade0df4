/**
 * Scalar math the JS Math object lacks. erf/erfc are accurate to ~1e-7 relative
 * (erfc by a Chebyshev fit, Numerical Recipes §6.2; erf by its Taylor series near 0),
 * enough for float32 kernels.
 */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const ans =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? ans : 2 - ans;
}

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

/** The Gauss error function. */
export function erf(x: number): number {
  if (Math.abs(x) < 1) {
    // Taylor series: erf x = 2/√π Σ (−1)ⁿ x²ⁿ⁺¹ / (n! (2n+1)).
    const x2 = x * x;
    let term = x;
    let sum = x;
    for (let n = 1; n < 20; n++) {
      term *= -x2 / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17) break;
    }
    return TWO_OVER_SQRT_PI * sum;
  }
  return 1 - erfc(x);
}

/** Exact GELU, x·Φ(x), computed through erfc for accuracy at negative x. */
export function geluExact(x: number): number {
  return 0.5 * x * erfc(-x * Math.SQRT1_2);
}

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/** The tanh approximation of GELU. */
export function geluTanh(x: number): number {
  return 0.5 * x * (1 + Math.tanh(SQRT_2_OVER_PI * (x + 0.044715 * x * x * x)));
}

/** Logistic sigmoid, stable for large |x|. */
export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/** Round half to even, like numpy and ONNX Round. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}
