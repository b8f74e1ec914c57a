import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { bundleEntries, leanSidecarNodeFlags } from '../../../origin/deploy/build-origin-bundle';
import { parseSidecarConfig, sidecarEnvNames } from '../../../origin/sidecar/config';
import { engineKillGraceMs } from '../../../origin/sidecar/engine-command';
import { parseWarmupFile } from '../../../origin/sidecar/warmup-plan';
import { originBundleDir } from '../sidecar/support/origin-bundle';

const deployDir = path.resolve(import.meta.dirname, '../../../origin/deploy');
const read = (name: string): string => readFileSync(path.join(deployDir, name), 'utf8');

/**
 * systemd's unit syntax, as much as the unit uses: `[Section]`, `Key=value` (repeatable), `#`
 * and `;` comments, and a trailing backslash continuing a line.
 */
function parseUnit(text: string): Map<string, Map<string, string[]>> {
  const sections = new Map<string, Map<string, string[]>>();
  let current: Map<string, string[]> | undefined;
  const joined = text.replace(/\\\n\s*/g, ' ');
  for (const raw of joined.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const section = /^\[([A-Za-z]+)\]$/.exec(line);
    if (section?.[1] !== undefined) {
      current = new Map();
      sections.set(section[1], current);
      continue;
    }
    const pair = /^([A-Za-z]+)=(.*)$/.exec(line);
    if (pair?.[1] === undefined || current === undefined)
      throw new Error(`not a unit line: ${line}`);
    current.set(pair[1], [...(current.get(pair[1]) ?? []), pair[2] ?? '']);
  }
  return sections;
}

/** `KEY=value` lines of an environment file. */
function parseEnvFile(text: string): Record<string, string> {
  return Object.fromEntries(
    text
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '' && !line.startsWith('#'))
      .map((line) => {
        const at = line.indexOf('=');
        return [line.slice(0, at), line.slice(at + 1)];
      }),
  );
}

const unit = parseUnit(read('switchyard-sidecar.service'));
const service = unit.get('Service');
const value = (key: string): string => service?.get(key)?.at(-1) ?? '';
const [nodePath = '', ...nodeAndSidecarArgs] = value('ExecStart').split(/\s+/);
const entryAt = nodeAndSidecarArgs.findIndex((arg) => !arg.startsWith('-'));
const nodeFlags = nodeAndSidecarArgs.slice(0, entryAt);
const entryPath = nodeAndSidecarArgs[entryAt] ?? '';
const sidecarArgs = nodeAndSidecarArgs.slice(entryAt + 1);
const envExample = parseEnvFile(read('sidecar.env.example'));
const parsedConfig = parseSidecarConfig(sidecarArgs, envExample);
const config = parsedConfig.kind === 'config' ? parsedConfig.config : undefined;

const ingressSchema = z.object({
  tunnel: z.string().min(1),
  'credentials-file': z.string().startsWith('/'),
  ingress: z
    .array(
      z.object({
        hostname: z.string().optional(),
        path: z.string().optional(),
        service: z.string(),
        originRequest: z.record(z.string(), z.unknown()).optional(),
      }),
    )
    .min(2),
});
const tunnel = ingressSchema.parse(parseYaml(read('cloudflared-config.yml')));

describe('the systemd unit', () => {
  it('has the sections systemd needs and starts at boot', () => {
    expect([...unit.keys()]).toEqual(['Unit', 'Service', 'Install']);
    expect(unit.get('Install')?.get('WantedBy')).toEqual(['multi-user.target']);
  });

  it('runs the bundled sidecar that npm run build:origin produces', async () => {
    expect(path.isAbsolute(nodePath)).toBe(true);
    expect(path.basename(entryPath)).toBe(bundleEntries.sidecar);
    const bundled = path.join(await originBundleDir(), bundleEntries.sidecar);
    const help = await promisify(execFile)(process.execPath, [bundled, '--help']);
    expect(help.stdout).toContain('Usage: sidecar');
  });

  it('runs node with its default V8 settings, and node accepts the documented memory-lean flags', async () => {
    expect(nodeFlags).toEqual([]);
    const bundled = path.join(await originBundleDir(), bundleEntries.sidecar);
    const help = await promisify(execFile)(process.execPath, [
      ...leanSidecarNodeFlags,
      bundled,
      '--help',
    ]);
    expect(help.stdout).toContain('Usage: sidecar');
    expect(read('README.md')).toContain(leanSidecarNodeFlags.join(' '));
    expect(read('switchyard-sidecar.service')).toContain(leanSidecarNodeFlags.join(' '));
  });

  it('passes the sidecar flags it accepts, with vllm on loopback, given the example environment', () => {
    expect(parsedConfig).toMatchObject({ kind: 'config' });
    expect(config).toMatchObject({ engine: 'vllm', host: '127.0.0.1', enableSleepMode: true });
    expect(value('EnvironmentFile')).toBe('/etc/switchyard/sidecar.env');
  });

  it('stops with SIGTERM to the sidecar only, and waits longer than a full drain', () => {
    expect(value('KillSignal')).toBe('SIGTERM');
    expect(value('KillMode')).toBe('mixed');
    if (config === undefined) throw new Error('no config');
    const drainSeconds = (config.drainTimeoutMs + engineKillGraceMs(config)) / 1000;
    expect(Number(value('TimeoutStopSec'))).toBeGreaterThan(drainSeconds);
  });

  it('uses only environment variables the sidecar reads', () => {
    const known = new Set(sidecarEnvNames());
    expect(Object.keys(envExample).filter((name) => !known.has(name))).toEqual([]);
  });
});

describe('the warm-up example', () => {
  it('is a valid --warmup-file', () => {
    expect(parseWarmupFile(read('warmup.example.json'))).toMatchObject({ ok: true });
  });
});

describe('the cloudflared config', () => {
  const rules = tunnel.ingress;
  const routed = rules.filter((rule) => /^https?:\/\//.test(rule.service));

  it('ends with a catch-all that answers 404', () => {
    expect(rules.at(-1)).toEqual({ service: 'http_status:404' });
  });

  it('sends traffic to the sidecar only, never to the engine port', () => {
    expect(routed.length).toBeGreaterThan(0);
    for (const rule of routed) {
      const url = new URL(rule.service);
      expect(url.hostname).toBe('127.0.0.1');
      expect(Number(url.port)).toBe(config?.port);
      expect(Number(url.port)).not.toBe(config?.enginePort);
      expect(rule.hostname).toBe(new URL(envExample.SIDECAR_PUBLIC_URL ?? '').hostname);
    }
  });

  it.each([
    ['/v1/chat/completions', true],
    ['/v1/completions', true],
    ['/v1/embeddings', true],
    ['/wake', true],
    ['/metrics', false],
    ['/state', false],
    ['/readyz', false],
    ['/livez', false],
    ['/v1', false],
    ['/wake/x', false],
  ])('routes %s to the sidecar: %s', (pathname, exposed) => {
    const matches = routed.some((rule) => new RegExp(rule.path ?? '.*').test(pathname));
    expect(matches).toBe(exposed);
  });
});
