/**
 * Codebook usage, the way to see codebook collapse (the usual failure of VQ-VAEs: a few codes
 * take every vector and the rest never learn): a histogram of the codes chosen, its perplexity
 * exp(H) with H = -sum_k p_k log p_k over the code frequencies p (K when every code is used
 * equally, 1 when one code takes everything; Sonnet's VQ-VAE reports the same), and the number of
 * codes used at least once.
 */

/** exp(H) of the distribution the counts give; 0 for no counts. */
export function perplexity(counts: ArrayLike<number>): number {
  let total = 0;
  for (let i = 0; i < counts.length; i++) total += counts[i]!;
  if (total <= 0) return 0;
  let h = 0;
  for (let i = 0; i < counts.length; i++) {
    const p = counts[i]! / total;
    if (p > 0) h -= p * Math.log(p);
  }
  return Math.exp(h);
}

/** Per-code counts of code indices (each in [0, K)): [K]. */
export function bincount(indices: ArrayLike<number>, k: number): number[] {
  const out = new Array<number>(k).fill(0);
  for (let i = 0; i < indices.length; i++) out[indices[i]!]! += 1;
  return out;
}

/** A running histogram of the codes chosen. */
export class CodeUsage {
  readonly counts: Float64Array;

  constructor(readonly codes: number) {
    this.counts = new Float64Array(codes);
  }

  add(counts: ArrayLike<number>): void {
    for (let i = 0; i < this.codes; i++) this.counts[i]! += counts[i]!;
  }

  get total(): number {
    return this.counts.reduce((a, b) => a + b, 0);
  }

  get perplexity(): number {
    return perplexity(this.counts);
  }

  /** Codes chosen at least once. */
  get used(): number {
    return this.counts.reduce((n, c) => n + (c > 0 ? 1 : 0), 0);
  }

  reset(): void {
    this.counts.fill(0);
  }
}
