import { describe, expect, it } from 'vitest';
import { ChartwatchError } from '@chartwatch/errors';
import type { IsolationForestJSON } from './forest-json.ts';
import { IsolationForest } from './isolation-forest.ts';
import { createRandom } from '@chartwatch/random';

/** Standard normal draws from a seeded source (Box-Muller). */
function gaussian(seed: number): () => number {
  const r = createRandom(seed);
  return () => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
}

/** 1000 points of a 4-D standard normal cluster, then 10 planted far away on every axis. */
function clusterWithOutliers(): { rows: number[][]; outliers: number[][] } {
  const g = gaussian(42);
  const rows: number[][] = [];
  for (let i = 0; i < 1000; i++) rows.push([g(), g(), g(), g()]);
  const outliers: number[][] = [];
  for (let i = 0; i < 10; i++) outliers.push([8 + g(), -8 + g(), 8 + g(), -8 + g()]);
  return { rows: [...rows, ...outliers], outliers };
}

function mean(xs: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i] as number;
  return s / xs.length;
}

describe('IsolationForest scores', () => {
  const { rows, outliers } = clusterWithOutliers();
  const forest = new IsolationForest().fit(rows);

  it('scores planted outliers near 1', () => {
    const s = forest.score(outliers);
    for (const v of s) expect(v).toBeGreaterThan(0.7);
  });

  it('scores points inside the dense cluster below 0.5', () => {
    const core = rows.slice(0, 1000).filter((r) => r.every((v) => Math.abs(v) < 1));
    expect(core.length).toBeGreaterThan(50);
    const s = forest.score(core);
    for (const v of s) expect(v).toBeLessThan(0.5);
    expect(mean(s)).toBeLessThan(0.45);
  });

  it('keeps every score in (0, 1]', () => {
    for (const v of forest.score(rows)) {
      expect(v).toBeGreaterThan(0);
      expect(v).toBeLessThanOrEqual(1);
    }
  });

  it('scores a row-major matrix exactly as the same rows', () => {
    const data = new Float64Array(rows.length * 4);
    rows.forEach((r, i) => data.set(r, i * 4));
    expect(forest.score({ data, rows: rows.length, cols: 4 })).toEqual(forest.score(rows));
  });

  it('gives the same score to a row alone and in a batch (unrolled and tail paths agree)', () => {
    const all = forest.score(rows.slice(0, 21));
    for (let i = 0; i < 21; i++) expect(forest.score([rows[i] as number[]])[0]).toBe(all[i]);
  });

  it('refuses NaN and a wrong width, naming row and column', () => {
    expect(() => forest.score([[0, 0, Number.NaN, 0]])).toThrow(/row 0 column 2 is NaN/);
    expect(() => forest.score([[0, 0, 0]])).toThrow(/row 0 has 3 columns, the model was fitted on 4/);
  });

  it('refuses to score before fit', () => {
    expect(() => new IsolationForest().score([[1]])).toThrow(ChartwatchError);
  });
});

describe('IsolationForest determinism and serialisation', () => {
  const { rows } = clusterWithOutliers();

  it('gives the same model for the same seed', () => {
    const a = JSON.stringify(new IsolationForest({ seed: 5 }).fit(rows));
    const b = JSON.stringify(new IsolationForest({ seed: 5 }).fit(rows));
    expect(a).toBe(b);
  });

  it('gives a different model for a different seed', () => {
    const a = JSON.stringify(new IsolationForest({ seed: 5 }).fit(rows));
    const b = JSON.stringify(new IsolationForest({ seed: 6 }).fit(rows));
    expect(a).not.toBe(b);
  });

  it('round-trips through JSON text with identical scores', () => {
    const forest = new IsolationForest({ trees: 50, seed: 3 }).fit(rows);
    const text = JSON.stringify(forest);
    const restored = IsolationForest.fromJSON(JSON.parse(text));
    expect(restored.score(rows)).toEqual(forest.score(rows));
    expect(JSON.stringify(restored)).toBe(text);
    expect(IsolationForest.fromJSON(text).score(rows)).toEqual(forest.score(rows));
    expect(restored.contributions(rows[1005] as number[])).toEqual(forest.contributions(rows[1005] as number[]));
  });

  it('keeps no training row, only splits and leaf sizes', () => {
    const json = new IsolationForest({ trees: 10 }).fit(rows).toJSON();
    expect(Object.keys(json).sort()).toEqual(
      ['features', 'feature', 'format', 'leafSize', 'sampleSize', 'samplesPerTree', 'seed', 'threshold', 'treeNodeCounts', 'trees', 'version'].sort(),
    );
    const leafSizes = json.leafSize.reduce((a, b) => a + b, 0);
    expect(leafSizes).toBe(10 * 256);
  });

  describe('fromJSON refuses a corrupt model, naming the field', () => {
    const good = new IsolationForest({ trees: 5 }).fit(rows).toJSON();
    const broken = (patch: Partial<Record<keyof IsolationForestJSON, unknown>>): unknown => ({ ...good, ...patch });
    const cases: [string, unknown, RegExp][] = [
      ['not JSON text', '{"format":', /not JSON/],
      ['wrong format', broken({ format: 'other' }), /format/],
      ['wrong version', broken({ version: 2 }), /version/],
      ['trees not an integer', broken({ trees: 1.5 }), /trees: 1.5/],
      ['feature out of range', broken({ feature: good.feature.map((f, i) => (i === 0 ? 9 : f)) }), /feature\[0\]: 9/],
      ['threshold not finite', broken({ threshold: good.threshold.map((t, i) => (i === 2 ? 'x' : t)) }), /threshold\[2\]/],
      ['leaf size missing', broken({ leafSize: good.leafSize.slice(0, -1) }), /leafSize/],
      ['leaf size wrong', broken({ leafSize: good.leafSize.map((s, i) => (i === 0 ? s + 1 : s)) }), /leafSize/],
      ['node counts disagree', broken({ treeNodeCounts: [...good.treeNodeCounts.slice(0, -1), 1] }), /feature|treeNodeCounts/],
      ['node counts missing', broken({ treeNodeCounts: undefined }), /treeNodeCounts: missing/],
      ['not an object', [1, 2], /\(root\)/],
    ];
    for (const [name, json, message] of cases) {
      it(name, () => {
        let caught: unknown;
        try {
          IsolationForest.fromJSON(json);
        } catch (err) {
          caught = err;
        }
        expect(caught).toBeInstanceOf(ChartwatchError);
        expect((caught as ChartwatchError).code).toBe('CW_ERR_MODEL');
        expect((caught as Error).message).toMatch(message);
      });
    }
  });
});

describe('IsolationForest edge cases', () => {
  it('never splits on a constant column', () => {
    const g = gaussian(9);
    const rows = Array.from({ length: 500 }, () => [g(), 3, g()]);
    const forest = new IsolationForest().fit(rows);
    expect(forest.toJSON().feature).not.toContain(1);
    expect(forest.score([[0, 3, 0]])[0]).toBeLessThan(0.5);
    expect(forest.score([[9, 3, -9]])[0]).toBeGreaterThan(0.7);
  });

  it('scores 0.5 everywhere when every column is constant, and spreads contributions evenly', () => {
    const rows = Array.from({ length: 20 }, () => [1, 2]);
    const forest = new IsolationForest().fit(rows);
    for (const v of forest.score([[1, 2], [5, 5]])) expect(v).toBeCloseTo(0.5, 12);
    expect(Array.from(forest.contributions([5, 5]))).toEqual([0.5, 0.5]);
  });

  it('uses every row when there are fewer than ψ', () => {
    const g = gaussian(11);
    const rows = Array.from({ length: 40 }, () => [g(), g()]);
    rows.push([10, 10]);
    const forest = new IsolationForest().fit(rows);
    expect(forest.samplesPerTree).toBe(41);
    expect(forest.toJSON().leafSize.reduce((a, b) => a + b, 0)).toBe(100 * 41);
    const s = forest.score(rows);
    const top = s.indexOf(Math.max(...s));
    expect(top).toBe(40);
  });

  it('refuses fewer than 2 rows, ragged rows, non-finite values and bad options', () => {
    expect(() => new IsolationForest().fit([[1, 2]])).toThrow(/at least 2 rows/);
    expect(() => new IsolationForest().fit([[1, 2], [1]])).toThrow(/row 1 has 1 columns/);
    expect(() => new IsolationForest().fit([[1, 2], [1, Infinity]])).toThrow(/row 1 column 1 is Infinity/);
    expect(() => new IsolationForest({ trees: 0 })).toThrow(/options.trees/);
    expect(() => new IsolationForest({ sampleSize: 1 })).toThrow(/options.sampleSize/);
    expect(() => new IsolationForest({ seed: -1 })).toThrow(/options.seed/);
  });

  it('scores through the pointer walk when ψ is too large to lay out completely, with the same ordering', () => {
    const g = gaussian(13);
    const rows = Array.from({ length: 5000 }, () => [g(), g()]);
    rows.push([9, -9]);
    const forest = new IsolationForest({ trees: 10, sampleSize: 5001 }).fit(rows);
    const s = forest.score(rows);
    expect(s.indexOf(Math.max(...s))).toBe(5000);
    expect(IsolationForest.fromJSON(JSON.stringify(forest)).score(rows)).toEqual(s);
  });
});

describe('IsolationForest contributions', () => {
  const g = gaussian(17);
  const rows = Array.from({ length: 2000 }, () => [g(), g(), g(), g(), g()]);
  const forest = new IsolationForest({ seed: 2 }).fit(rows);

  it('point at the feature planted as anomalous', () => {
    for (let planted = 0; planted < 5; planted++) {
      const row = [0.1, -0.2, 0.3, 0.0, -0.1];
      row[planted] = 7;
      const c = forest.contributions(row);
      const top = Array.from(c).indexOf(Math.max(...c));
      expect(top).toBe(planted);
      expect(c[planted]).toBeGreaterThan(0.5);
    }
  });

  it('sum to 1 and are never negative', () => {
    for (const row of [rows[0] as number[], [0, 0, 0, 0, 0], [5, -5, 0, 0, 0]]) {
      const c = forest.contributions(row);
      expect(c.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
      for (const v of c) expect(v).toBeGreaterThanOrEqual(0);
    }
  });

  it('refuses a row of the wrong width', () => {
    expect(() => forest.contributions([1, 2])).toThrow(/row has 2 columns/);
  });
});
