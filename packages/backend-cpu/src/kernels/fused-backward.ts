/**
 * Gradients of the fused GELU and layer norm in one pass each (the composite gradient rules
 * take about ten elementwise kernels and as many temporary tensors).
 */

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/** dy · GELU'(x), exact (erf) or tanh form. */
export function geluBackward(x: Float32Array, dy: Float32Array, approximate: 'none' | 'tanh'): Float32Array {
  const out = new Float32Array(x.length);
  if (approximate === 'tanh') {
    for (let i = 0; i < x.length; i++) {
      const v = x[i]!;
      const v2 = v * v;
      const t = Math.tanh(SQRT_2_OVER_PI * (v + 0.044715 * v * v2));
      const du = SQRT_2_OVER_PI * (1 + 3 * 0.044715 * v2);
      out[i] = dy[i]! * (0.5 * (1 + t) + 0.5 * v * (1 - t * t) * du);
    }
    return out;
  }
  // Φ(v) = ½(1 + erf(v/√2)) with erf from Abramowitz & Stegun 7.1.26 (|error| ≤ 1.5e-7), which
  // shares its exp(−v²/2) with the density term: one exp per element.
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    const z = Math.abs(v) * Math.SQRT1_2;
    const e = Math.exp(-0.5 * v * v);
    const t = 1 / (1 + 0.3275911 * z);
    const tail = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))) * e;
    const cdf = v >= 0 ? 1 - 0.5 * tail : 0.5 * tail;
    out[i] = dy[i]! * (cdf + v * e * INV_SQRT_2PI);
  }
  return out;
}

/**
 * Layer norm gradient over rows of length `cols`, statistics recomputed from x:
 * dx = rstd·(dx̂ − mean(dx̂) − x̂·mean(dx̂·x̂)) with dx̂ = dy·γ; dγ = Σ dy·x̂, dβ = Σ dy over rows.
 */
export function layerNormBackward(x: Float32Array, gamma: Float32Array, dy: Float32Array, cols: number, eps: number): [Float32Array, Float32Array, Float32Array] {
  const dx = new Float32Array(x.length);
  const dgamma = new Float64Array(cols);
  const dbeta = new Float64Array(cols);
  const rows = cols === 0 ? 0 : x.length / cols;
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let mean = 0;
    for (let j = 0; j < cols; j++) mean += x[o + j]!;
    mean /= cols;
    let v = 0;
    for (let j = 0; j < cols; j++) {
      const c = x[o + j]! - mean;
      v += c * c;
    }
    const rstd = 1 / Math.sqrt(v / cols + eps);
    let s1 = 0;
    let s2 = 0;
    for (let j = 0; j < cols; j++) {
      const xhat = (x[o + j]! - mean) * rstd;
      const g = dy[o + j]!;
      const dxhat = g * gamma[j]!;
      dgamma[j]! += g * xhat;
      dbeta[j]! += g;
      s1 += dxhat;
      s2 += dxhat * xhat;
    }
    s1 /= cols;
    s2 /= cols;
    for (let j = 0; j < cols; j++) {
      const xhat = (x[o + j]! - mean) * rstd;
      dx[o + j] = rstd * (dy[o + j]! * gamma[j]! - s1 - xhat * s2);
    }
  }
  return [dx, Float32Array.from(dgamma), Float32Array.from(dbeta)];
}
