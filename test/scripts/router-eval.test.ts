import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import {
  calibrate,
  loadLabelledSet,
  scoreLabelled,
  tradeoff,
  type LabelledPrompt,
} from '../../scripts/lib/router-eval';
import { repoRoot } from '../../scripts/lib/wrangler';
import { buildModelCatalogue } from '../../worker/router/model-catalogue';

const scratch = mkdtempSync(path.join(tmpdir(), 'switchyard-router-eval-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const setFile = path.join(repoRoot, 'test/fixtures/router-prompts.jsonl');

const item = (label: 'small' | 'large', score: number, chars = 400) => ({
  prompt: { id: `${label}-${score}`, label, prompt: 'x'.repeat(chars) } as LabelledPrompt,
  score,
});

describe('tradeoff', () => {
  // Two hard prompts (0.9, 0.4) and three easy ones (0.1, 0.2, 0.5).
  const items = [
    item('large', 0.9),
    item('large', 0.4),
    item('small', 0.1),
    item('small', 0.2),
    item('small', 0.5),
  ];
  // 100 prompt tokens (400 chars) and 100 completion tokens each; large $10/M, small $1/M.
  const cost = {
    small: { inputUsdPerMillion: 1, outputUsdPerMillion: 1 },
    large: { inputUsdPerMillion: 10, outputUsdPerMillion: 10 },
    completionTokens: 100,
  };

  it.each([
    { threshold: 0.95, largeShare: 0, hardRecall: 0, easyToLarge: 0, routedUsd: 0.001 },
    { threshold: 0.45, largeShare: 0.4, hardRecall: 0.5, easyToLarge: 1 / 3, routedUsd: 0.0046 },
    { threshold: 0.3, largeShare: 0.6, hardRecall: 1, easyToLarge: 1 / 3, routedUsd: 0.0064 },
    { threshold: 0, largeShare: 1, hardRecall: 1, easyToLarge: 1, routedUsd: 0.01 },
  ])('at threshold $threshold', ({ threshold, largeShare, hardRecall, easyToLarge, routedUsd }) => {
    const t = tradeoff(items, threshold, cost);
    expect(t).toMatchObject({ prompts: 5, hard: 2, largeShare, hardRecall });
    expect(t.easyToLarge).toBeCloseTo(easyToLarge, 9);
    expect(t.cost?.allLargeUsd).toBeCloseTo(0.01, 9);
    expect(t.cost?.routedUsd).toBeCloseTo(routedUsd, 9);
    expect(t.cost?.savedShare).toBeCloseTo(1 - routedUsd / 0.01, 9);
  });

  it('has no cost without prices', () => {
    expect(tradeoff(items, 0.5).cost).toBeUndefined();
  });

  it('calibrates the threshold that keeps the large share within the target', () => {
    const result = calibrate(items, 0.4, 0.95);
    expect(result.calibrated.threshold).toBe(0.5);
    expect(result.calibrated.largeShare).toBe(0.4);
    expect(result.shipped.largeShare).toBe(0);
    expect(result.alternatives.map((t) => t.largeShare)).toEqual([0, 0.2, 0.2, 0.2, 0.2, 0.4, 0.4]);
  });
});

describe('the labelled set', () => {
  const prompts = loadLabelledSet(setFile);

  it('has at least 300 prompts with unique ids, both labels, and a held-out split', () => {
    expect(prompts.length).toBeGreaterThanOrEqual(300);
    expect(new Set(prompts.map((p) => p.id)).size).toBe(prompts.length);
    const heldOut = prompts.filter((p) => p.split === 'test');
    expect(heldOut.length).toBeGreaterThan(90);
    expect(heldOut.filter((p) => p.label === 'large').length).toBeGreaterThan(20);
  });

  it('meets the goal with the checked-in weights on the held-out split: ≥ 90% recall at ≤ 30% large', () => {
    const catalogue = buildModelCatalogue();
    const threshold = catalogue.routes.get('auto')!.thresholds[0]!;
    const scored = scoreLabelled(
      catalogue.router,
      prompts.filter((p) => p.split === 'test'),
    );
    const t = tradeoff(scored, threshold);
    expect(t.largeShare).toBeLessThanOrEqual(0.3);
    expect(t.hardRecall).toBeGreaterThanOrEqual(0.9);
  });

  it('names the file and line of a malformed entry', () => {
    const bad = path.join(scratch, 'bad.jsonl');
    writeFileSync(
      bad,
      '{"id":"a","label":"small","prompt":"hi"}\n{"id":"b","label":"medium","prompt":"x"}\n',
    );
    expect(() => loadLabelledSet(bad)).toThrow(/bad\.jsonl:2:/);
  });
});

describe('npm run train:router', () => {
  it('reproduces the checked-in weights exactly from the labelled set', async () => {
    const out = path.join(scratch, 'weights.ts');
    await promisify(execFile)(
      path.join(repoRoot, 'node_modules/.bin/tsx'),
      ['scripts/train-router.ts', '--out', out],
      { cwd: repoRoot },
    );
    expect(readFileSync(out, 'utf8')).toBe(
      readFileSync(path.join(repoRoot, 'worker/router/weights.ts'), 'utf8'),
    );
  }, 120_000);
});

describe('npm run calibrate', () => {
  it('prints the threshold for the target and the trade-off with the given prices', async () => {
    const { stdout } = await promisify(execFile)(
      path.join(repoRoot, 'node_modules/.bin/tsx'),
      [
        'scripts/calibrate.ts',
        ...['--set', setFile, '--split', 'test', '--target-large-share', '0.25'],
        ...['--price', 'sim-small=0.2,0.2', '--price', 'sim-large=0.9,0.9'],
        '--json',
      ],
      { cwd: repoRoot },
    );
    const result = JSON.parse(stdout) as { calibrated: { largeShare: number; cost?: unknown } };
    expect(result.calibrated.largeShare).toBeLessThanOrEqual(0.25);
    expect(result.calibrated.cost).toMatchObject({ savedShare: expect.any(Number) });
  }, 60_000);
});
