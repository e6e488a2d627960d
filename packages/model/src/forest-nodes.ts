/**
 * The trees of a forest, flattened: node i of the whole forest is described
 * by feature[i], threshold[i], left[i], right[i] and size[i]; tree t owns the
 * nodes [treeStart[t], treeStart[t + 1]) in pre-order (a node, its left
 * subtree, its right subtree). No training row is kept: a leaf remembers only
 * how many sub-sample points reached it.
 */
export interface ForestNodes {
  readonly treeStart: Int32Array;
  /** Feature split on, or -1 for a leaf. */
  readonly feature: Int32Array;
  /** A row goes left when row[feature] <= threshold. 0 for a leaf. */
  readonly threshold: Float64Array;
  /** Child node indices (forest-wide), -1 for a leaf. */
  readonly left: Int32Array;
  readonly right: Int32Array;
  /** Sub-sample points that reached the node. */
  readonly size: Int32Array;
}

export const LEAF = -1;
