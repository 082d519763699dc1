// Supervised segmentation: a CART regression tree toward a target; each leaf is a segment.
import { DecisionTreeRegression, type TreeNode } from 'ml-cart';
import type { FeatureName } from '../../policy/features.ts';
import type { FeatureMatrix } from '../feature-matrix.ts';
import type { Partition } from '../partition.ts';
import { createRng } from '../kmeans/rng.ts';

interface Column {
  label: string;
  numeric: boolean;
  /** Human reading of `value < split` (left) and `value >= split` (right). */
  describe: (split: number, left: boolean) => string;
  at: (i: number) => number;
}

interface Step {
  col: number;
  split: number;
  left: boolean;
}

/** "x < 5.5 AND x < 3.5" reads as "x < 3.5": keep the tightest bound per numeric column. */
function readablePath(cols: readonly Column[], path: readonly Step[]): string {
  const kept: Step[] = [];
  for (const s of path) {
    if (!cols[s.col]!.numeric) {
      kept.push(s);
      continue;
    }
    const i = kept.findIndex((k) => k.col === s.col && k.left === s.left);
    if (i < 0) kept.push(s);
    else if (s.left ? s.split < kept[i]!.split : s.split > kept[i]!.split) kept[i] = s;
  }
  return kept.length ? kept.map((s) => cols[s.col]!.describe(s.split, s.left)).join(' AND ') : 'everyone';
}

/** ml-cart's split search is quadratic in the sample: train on a seeded sample, assign everyone. */
export const TREE_SAMPLE = 2000;

function columnsOf(m: FeatureMatrix, features: readonly FeatureName[]): Column[] {
  const cols: Column[] = [];
  for (const f of features) {
    const num = m.numeric.get(f);
    if (num) {
      const present = [...num].filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
      const median = present.length ? present[Math.floor(present.length / 2)]! : 0;
      const round = (v: number) => Math.round(v * 100) / 100;
      // a missing value is read as the median: the rule must say which side it falls on
      const missing = present.length < num.length;
      const orMissing = (s: number, l: boolean) => (missing && median < s === l ? ` (or ${f} missing)` : '');
      cols.push({
        label: f,
        numeric: true,
        at: (i) => (Number.isNaN(num[i]!) ? median : num[i]!),
        describe: (s, l) => `${f} ${l ? '<' : '>='} ${round(s)}${orMissing(s, l)}`,
      });
      continue;
    }
    const cat = m.categorical.get(f);
    if (!cat) continue;
    cat.levels.forEach((level, code) => {
      cols.push({ label: `${f}=${level}`, numeric: false, at: (i) => (cat.codes[i] === code ? 1 : 0), describe: (_s, l) => `${f} ${l ? '!=' : '='} ${level}` });
    });
  }
  return cols;
}

export function treePartition(
  m: FeatureMatrix,
  features: readonly FeatureName[],
  target: FeatureName,
  opts: { maxDepth: number; minLeaf: number; seed: number },
  onProgress: (f: number) => void,
): Partition {
  const y = m.numeric.get(target);
  if (!y) throw new Error('target must be a numeric feature of the population');
  const cols = columnsOf(
    m,
    features.filter((f) => f !== target),
  );
  const rows: number[] = [];
  for (let i = 0; i < m.n; i++) if (!Number.isNaN(y[i]!)) rows.push(i);
  const rng = createRng(opts.seed);
  const rand = () => rng.nextFloat();
  for (let i = rows.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [rows[i], rows[j]] = [rows[j]!, rows[i]!];
  }
  const sample = rows.slice(0, TREE_SAMPLE);
  const tree = new DecisionTreeRegression({
    maxDepth: opts.maxDepth,
    // scaled to the sample, so a leaf holds about minLeaf subjects of the whole population
    minNumSamples: Math.max(3, Math.ceil((opts.minLeaf * sample.length) / Math.max(1, m.n))),
  });
  tree.train(
    sample.map((i) => cols.map((c) => c.at(i))),
    sample.map((i) => y[i]!),
  );
  onProgress(0.5);

  const leaves: { node: TreeNode; path: Step[] }[] = [];
  const walk = (node: TreeNode, path: Step[]) => {
    if (node.left && node.right && node.splitColumn !== undefined && node.splitValue !== undefined) {
      walk(node.left, [...path, { col: node.splitColumn, split: node.splitValue, left: true }]);
      walk(node.right, [...path, { col: node.splitColumn, split: node.splitValue, left: false }]);
    } else leaves.push({ node, path });
  };
  walk(tree.root, []);
  const leafIndex = new Map(leaves.map((l, i) => [l.node, i]));
  const assignment = new Int32Array(m.n);
  for (let i = 0; i < m.n; i++) {
    let node = tree.root;
    while (node.left && node.right) node = cols[node.splitColumn!]!.at(i) < node.splitValue! ? node.left : node.right;
    assignment[i] = leafIndex.get(node)!;
  }
  return {
    assignment,
    groups: leaves.map((l, i) => ({
      key: `leaf-${i + 1}`,
      rule: readablePath(cols, l.path),
    })),
  };
}
