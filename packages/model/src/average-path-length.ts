const EULER_GAMMA = 0.5772156649015329;

/**
 * c(n): the average path length of an unsuccessful search in a binary search
 * tree of n points (Liu, Ting and Zhou 2008, eq. 1). It normalises path
 * lengths into scores, and it stands in for the subtree a leaf did not grow
 * when the height limit stopped it with n > 1 training points.
 *
 * c(n) = 2 H(n-1) - 2 (n-1)/n with H(i) ≈ ln(i) + γ; c(2) = 1, c(0) = c(1) = 0.
 */
export function averagePathLength(n: number): number {
  if (n <= 1) return 0;
  if (n === 2) return 1;
  return 2 * (Math.log(n - 1) + EULER_GAMMA) - (2 * (n - 1)) / n;
}

/** ⌈log2 ψ⌉, at least 1: the height limit the paper grows each tree to. */
export function heightLimit(sampleSize: number): number {
  return Math.max(1, Math.ceil(Math.log2(Math.max(sampleSize, 2))));
}
