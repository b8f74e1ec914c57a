import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * The CI version of `npm run bench` (issue 8): a few requests per side, asserting only that the
 * harness starts every side, finishes and writes its result files. Speed is judged by the full
 * benchmark, never here. Ports 9750+ keep it apart from the e2e stack and from a full bench run;
 * with SWITCHYARD_E2E_BASE_PORT set they move to base+50 … base+99, beside the stack it moved.
 */

const repoRoot = path.resolve(import.meta.dirname, '../..');
const e2eBase = process.env.SWITCHYARD_E2E_BASE_PORT;
const benchBasePort = e2eBase === undefined ? 9750 : Number(e2eBase) + 50;
const out = mkdtempSync(path.join(tmpdir(), 'switchyard-bench-smoke-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

function runBench(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(repoRoot, 'bench/run.ts'), ...args],
      { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.once('exit', (code) => resolve({ code, output }));
  });
}

describe('npm run bench --smoke', () => {
  it('runs overhead, streaming, cache, bundle and memory end to end and writes one result file each', async () => {
    const { code, output } = await runBench([
      'overhead',
      'streaming',
      'cache',
      'bundle',
      'memory',
      '--smoke',
      `--out=${out}`,
      `--base-port=${benchBasePort}`,
    ]);
    expect(code, output).toBe(0);
    const files = readdirSync(out).sort();
    expect(files.map((f) => f.replace(/-\d{4}-\d{2}-\d{2}\.json$/, ''))).toEqual([
      'bundle',
      'cache',
      'memory',
      'overhead',
      'streaming',
    ]);
    for (const file of files) {
      const parsed = JSON.parse(readFileSync(path.join(out, file), 'utf8')) as {
        environment: { nproc: number };
        results: { smoke: boolean };
      };
      expect(parsed.results.smoke).toBe(true);
      expect(parsed.environment.nproc).toBeGreaterThan(0);
    }
  }, 180_000);

  it('runs the routing comparison on four simulators and reports every policy', async () => {
    const routingOut = path.join(out, 'routing');
    const { code, output } = await runBench([
      'routing',
      '--smoke',
      `--out=${routingOut}`,
      `--base-port=${benchBasePort}`,
    ]);
    expect(code, output).toBe(0);
    const [file, ...others] = readdirSync(routingOut);
    expect(others).toEqual([]);
    const parsed = JSON.parse(readFileSync(path.join(routingOut, file!), 'utf8')) as {
      results: {
        smoke: boolean;
        scenarios: {
          name: string;
          policies: {
            policy: string;
            requests: number;
            errors: number;
            servedPerReplica: number[];
          }[];
        }[];
      };
    };
    expect(parsed.results.smoke).toBe(true);
    expect(parsed.results.scenarios.map((s) => s.name)).toEqual(['chat', 'short']);
    for (const scenario of parsed.results.scenarios) {
      expect(scenario.policies.map((p) => p.policy)).toEqual([
        'round-robin',
        'least-loaded',
        'affinity-c1.25',
        'affinity',
        'affinity-c2',
      ]);
      for (const policy of scenario.policies) {
        expect(policy.errors, `${scenario.name}/${policy.policy}`).toBe(0);
        // Every measured request was served by one of the four replicas.
        expect(policy.servedPerReplica).toHaveLength(4);
        expect(policy.servedPerReplica.reduce((a, b) => a + b, 0)).toBe(policy.requests);
      }
    }
  }, 60_000);
});
