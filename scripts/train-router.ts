import { writeFileSync } from 'node:fs';
import * as prettier from 'prettier';
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  defaultHashBits,
  hashedFeatures,
  signalNames,
  textSignals,
} from '../worker/router/features';
import { sigmoid } from '../worker/router/score';
import { loadLabelledSet, type LabelledPrompt } from './lib/router-eval';
import { repoRoot } from './lib/wrangler';

/**
 * `npm run train:router [-- --set <file>]`: trains the router's logistic model on the `train`
 * split of the labelled set and writes worker/router/weights.ts. Deterministic (no randomness:
 * folds by position, full-batch Adam from zero), so a retrain on the same set gives the same file.
 *
 * The reference scores a target share is calibrated against are out-of-fold scores (5 folds), so
 * they look like scores of prompts the model has not seen, not its over-confident training scores.
 * The `test` split is never read here.
 */

interface Example {
  signals: number[];
  index: Int32Array;
  value: Float32Array;
  y: number;
}

interface Weights {
  bias: number;
  signals: Float64Array;
  hashed: Float64Array;
}

const bits = defaultHashBits;

function example(p: LabelledPrompt): Example {
  const { index, value } = hashedFeatures(p.prompt, bits);
  return {
    signals: textSignals(p.prompt, p.prompt.length),
    index,
    value,
    y: p.label === 'large' ? 1 : 0,
  };
}

function logit(w: Weights, e: Example): number {
  let z = w.bias;
  for (let i = 0; i < e.signals.length; i++) z += e.signals[i]! * w.signals[i]!;
  for (let i = 0; i < e.index.length; i++) z += e.value[i]! * w.hashed[e.index[i]!]!;
  return z;
}

/** L2-regularised logistic regression, classes balanced, full-batch Adam. */
function train(examples: readonly Example[], l2: number, epochs = 400): Weights {
  const dims = 1 + signalNames.length + (1 << bits);
  const theta = new Float64Array(dims);
  const m = new Float64Array(dims);
  const v = new Float64Array(dims);
  const positives = examples.filter((e) => e.y === 1).length;
  const weightOf = (y: number) =>
    y === 1
      ? examples.length / (2 * positives)
      : examples.length / (2 * (examples.length - positives));
  const view = (): Weights => ({
    bias: theta[0]!,
    signals: theta.subarray(1, 1 + signalNames.length),
    hashed: theta.subarray(1 + signalNames.length),
  });
  const lr = 0.05;
  for (let t = 1; t <= epochs; t++) {
    const grad = new Float64Array(dims);
    const w = view();
    for (const e of examples) {
      const g = (sigmoid(logit(w, e)) - e.y) * weightOf(e.y);
      grad[0]! += g;
      for (let i = 0; i < e.signals.length; i++) grad[1 + i]! += g * e.signals[i]!;
      const off = 1 + signalNames.length;
      for (let i = 0; i < e.index.length; i++) grad[off + e.index[i]!]! += g * e.value[i]!;
    }
    for (let d = 0; d < dims; d++) {
      const g = grad[d]! / examples.length + (d === 0 ? 0 : l2 * theta[d]!);
      m[d] = 0.9 * m[d]! + 0.1 * g;
      v[d] = 0.999 * v[d]! + 0.001 * g * g;
      const mHat = m[d]! / (1 - 0.9 ** t);
      const vHat = v[d]! / (1 - 0.999 ** t);
      theta[d]! -= (lr * mHat) / (Math.sqrt(vHat) + 1e-8);
    }
  }
  return view();
}

/** Area under the ROC curve: the chance a hard prompt outscores an easy one. */
function auc(scored: readonly { score: number; y: number }[]): number {
  const pos = scored.filter((s) => s.y === 1);
  const neg = scored.filter((s) => s.y === 0);
  let wins = 0;
  for (const p of pos)
    for (const n of neg) wins += p.score > n.score ? 1 : p.score === n.score ? 0.5 : 0;
  return wins / Math.max(1, pos.length * neg.length);
}

function outOfFold(examples: readonly Example[], l2: number, folds = 5): number[] {
  const scores = new Array<number>(examples.length);
  for (let f = 0; f < folds; f++) {
    const w = train(
      examples.filter((_, i) => i % folds !== f),
      l2,
    );
    examples.forEach((e, i) => {
      if (i % folds === f) scores[i] = sigmoid(logit(w, e));
    });
  }
  return scores;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      set: { type: 'string', default: path.join(repoRoot, 'test/fixtures/router-prompts.jsonl') },
      out: { type: 'string', default: path.join(repoRoot, 'worker/router/weights.ts') },
    },
  });
  const prompts = loadLabelledSet(values.set).filter((p) => p.split !== 'test');
  const examples = prompts.map(example);
  const positives = examples.filter((e) => e.y === 1).length;
  console.log(
    `training on ${examples.length} prompts (${positives} large), held-out split untouched`,
  );

  // The regularisation strength is chosen by cross-validated AUC on the training split alone.
  let best = { l2: 0, auc: -1, oof: [] as number[] };
  for (const l2 of [1e-4, 1e-3, 3e-3, 1e-2]) {
    const oof = outOfFold(examples, l2);
    const score = auc(oof.map((s, i) => ({ score: s, y: examples[i]!.y })));
    console.log(`l2=${l2}: out-of-fold AUC ${score.toFixed(4)}`);
    if (score > best.auc) best = { l2, auc: score, oof };
  }
  const w = train(examples, best.l2);
  const maxAbs = w.hashed.reduce((max, x) => Math.max(max, Math.abs(x)), 0);
  const scale = maxAbs > 0 ? maxAbs / 127 : 1;
  const quantised = Int8Array.from(w.hashed, (x) => Math.round(x / scale));
  const hashed = Buffer.from(quantised.buffer).toString('base64');
  const round = (x: number, digits = 6) => Number(x.toFixed(digits));
  const referenceScores = best.oof.map((s) => round(s, 4)).sort((a, b) => a - b);

  const file = `// Generated by \`npm run train:router\` (scripts/train-router.ts) from
// test/fixtures/router-prompts.jsonl, train split: ${examples.length} prompts, ${positives} labelled large.
// L2 ${best.l2} chosen by 5-fold out-of-fold AUC ${best.auc.toFixed(4)}. Do not edit by hand: retrain.
import type { RouterWeights } from './score';

export const routerWeights: RouterWeights = {
  router: 'hashed-logistic-v1',
  hashBits: ${bits},
  bias: ${round(w.bias)},
  // ${signalNames.join(', ')}
  signals: [${Array.from(w.signals, (x) => round(x)).join(', ')}],
  hashedScale: ${round(scale, 9)},
  hashed:
    '${hashed}',
  referenceScores: [${referenceScores.join(', ')}],
};
`;
  // Written as Prettier would, so `npm run lint` passes and a retrain diffs only in numbers.
  const options = await prettier.resolveConfig(path.join(repoRoot, 'worker/router/weights.ts'));
  writeFileSync(values.out, await prettier.format(file, { ...options, filepath: values.out }));
  console.log(`wrote ${path.relative(process.cwd(), values.out)} (${file.length} bytes)`);
}

await main();
