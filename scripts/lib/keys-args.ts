import { parseArgs } from 'node:util';
import type { z } from 'zod';
import {
  createKeyInputSchema,
  tenantIdSchema,
  type CreateKeyInput,
} from '../../worker/admin/key-records';
import type { D1Target } from './wrangler';

/**
 * The command line of `npm run keys`, parsed into a typed command without touching anything.
 * Bad input is an expected outcome here, so it comes back as a one-line message, not a throw.
 */

export const keysUsage = `Usage: npm run keys -- <command> [options]

Commands:
  create --tenant <id> --name <label> [--tenant-name <name>]
         [--rpm N] [--tpm N] [--budget USD] [--concurrency N] [--max-tokens N]
         [--log-payloads] [--models <name,name,…>] [--cache on|off|exact]
                       Create a key (and its tenant if missing); prints the secret once.
  list [--tenant <id>]  List keys: id, tenant, name, prefix, status, limits, payloads,
                       created.
  revoke <key-id>       Revoke a key; requests with it get 401 from then on.
  rotate <key-id>       New secret for the same key id (limits and counters stay);
                       the old secret stops working at once. Prints the secret once.

Options for every command:
  --remote              The deployed D1 database instead of local state.
  --env <name>          wrangler environment, e.g. staging or production.
  --persist-to <dir>    Local state directory (default .wrangler/state).
  --json                Machine-readable output.
  --help                This text.

Limits left out are unlimited: --rpm requests/min, --tpm tokens/min, --budget USD/month,
--concurrency requests at once, --max-tokens largest max_tokens × n per request.
--log-payloads stores the key's prompts and answers, redacted, for PAYLOAD_RETENTION_DAYS
(default 30); without it only usage metadata is stored. --models limits the key to those
model names (served models, aliases or routed names like auto; default: all). --cache exact
skips the semantic cache for the key, --cache off skips caching entirely (default on).`;

interface Common {
  target: D1Target;
  json: boolean;
}

export type KeysCommand =
  | { kind: 'help' }
  | (Common & { kind: 'create'; input: CreateKeyInput })
  | (Common & { kind: 'list'; tenantId: string | undefined })
  | (Common & { kind: 'revoke' | 'rotate'; keyId: string });

export type ParsedKeysArgs = { ok: true; command: KeysCommand } | { ok: false; error: string };

const options = {
  tenant: { type: 'string' },
  'tenant-name': { type: 'string' },
  name: { type: 'string' },
  rpm: { type: 'string' },
  tpm: { type: 'string' },
  budget: { type: 'string' },
  concurrency: { type: 'string' },
  'max-tokens': { type: 'string' },
  'log-payloads': { type: 'boolean' },
  models: { type: 'string' },
  cache: { type: 'string' },
  remote: { type: 'boolean' },
  env: { type: 'string' },
  'persist-to': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean' },
} as const;
type Flag = keyof typeof options;

const commonFlags: readonly Flag[] = ['remote', 'env', 'persist-to', 'json', 'help'];
const limitFlags = {
  rpm: 'requestsPerMinute',
  tpm: 'tokensPerMinute',
  budget: 'monthlyBudgetUsd',
  concurrency: 'maxConcurrency',
  'max-tokens': 'maxTokensPerRequest',
} as const;

/** Which flags each command accepts besides the common ones. */
const commandFlags: Record<Exclude<KeysCommand['kind'], 'help'>, readonly Flag[]> = {
  create: [
    'tenant',
    'tenant-name',
    'name',
    'log-payloads',
    'models',
    'cache',
    ...(Object.keys(limitFlags) as Flag[]),
  ],
  list: ['tenant'],
  revoke: [],
  rotate: [],
};
const isCommand = (name: string): name is keyof typeof commandFlags => name in commandFlags;

/** Names the flag behind a field of `createKeyInputSchema`, so errors speak the CLI's language. */
const flagOfField: Record<string, string> = {
  tenantId: '--tenant',
  tenantName: '--tenant-name',
  name: '--name',
  logPayloads: '--log-payloads',
  allowedModels: '--models',
  cacheMode: '--cache',
  ...Object.fromEntries(
    Object.entries(limitFlags).map(([flag, f]) => [`limits.${f}`, `--${flag}`]),
  ),
};

const decimal = /^\d+(\.\d+)?$/;

function issueLine(issue: z.core.$ZodIssue): string {
  const field = issue.path.map(String).join('.');
  // A list flag's issue names an element (`allowedModels.1`): say `--models.1`.
  const [head, ...rest] = issue.path.map(String);
  const listFlag = head === undefined ? undefined : flagOfField[head];
  const flag = flagOfField[field] ?? (listFlag && [listFlag, ...rest].join('.')) ?? field;
  return `${flag}: ${issue.message}`;
}

type Values = Partial<Record<Flag, string | boolean>>;

/** The create flags through the same schema the admin API validates its body with. */
function parseCreateInput(
  values: Values,
): { ok: true; value: CreateKeyInput } | { ok: false; error: string } {
  const missing = (['tenant', 'name'] as const).find((flag) => values[flag] === undefined);
  if (missing !== undefined) return { ok: false, error: `create needs --${missing}.` };
  const limits: Record<string, number> = {};
  for (const [flag, field] of Object.entries(limitFlags)) {
    const raw = values[flag as Flag];
    if (typeof raw !== 'string') continue;
    if (!decimal.test(raw)) return { ok: false, error: `--${flag}: '${raw}' is not a number.` };
    limits[field] = Number(raw);
  }
  const input = createKeyInputSchema.safeParse({
    tenantId: values.tenant,
    tenantName: values['tenant-name'],
    name: values.name,
    limits,
    logPayloads: values['log-payloads'] === true,
    allowedModels:
      typeof values.models === 'string'
        ? values.models.split(',').map((name) => name.trim())
        : undefined,
    cacheMode: values.cache,
  });
  return input.success
    ? { ok: true, value: input.data }
    : { ok: false, error: input.error.issues.map(issueLine).join('; ') };
}

export function parseKeysArgs(argv: readonly string[], defaultPersistTo: string): ParsedKeysArgs {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
  } catch (error) {
    // Node's messages run on with advice about `--`; the first sentence is the useful part.
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, error: message.split(/\.\s/)[0] ?? message };
  }
  const { values, positionals } = parsed;
  const [name, ...rest] = positionals;
  if (values.help === true || name === 'help') return { ok: true, command: { kind: 'help' } };
  if (name === undefined)
    return { ok: false, error: 'Name a command: create, list, revoke or rotate (see --help).' };
  if (!isCommand(name)) return { ok: false, error: `Unknown command '${name}' (see --help).` };

  const allowed = new Set([...commonFlags, ...commandFlags[name]]);
  const stray = (Object.keys(values) as Flag[]).find((flag) => !allowed.has(flag));
  if (stray !== undefined) return { ok: false, error: `--${stray} is not an option of ${name}.` };
  if (values.remote === true && values['persist-to'] !== undefined) {
    return { ok: false, error: '--persist-to is for local state; leave it out with --remote.' };
  }
  const common: Common = {
    target: {
      remote: values.remote === true,
      env: values.env,
      persistTo: values.remote === true ? undefined : (values['persist-to'] ?? defaultPersistTo),
    },
    json: values.json === true,
  };

  switch (name) {
    case 'create': {
      if (rest.length > 0) return { ok: false, error: `create takes no argument '${rest[0]}'.` };
      const input = parseCreateInput(values);
      return input.ok
        ? { ok: true, command: { ...common, kind: 'create', input: input.value } }
        : input;
    }
    case 'list': {
      if (rest.length > 0) return { ok: false, error: `list takes no argument '${rest[0]}'.` };
      const tenant = tenantIdSchema.optional().safeParse(values.tenant);
      if (!tenant.success)
        return { ok: false, error: `--tenant: ${tenant.error.issues[0]?.message}` };
      return { ok: true, command: { ...common, kind: 'list', tenantId: tenant.data } };
    }
    case 'revoke':
    case 'rotate': {
      const [keyId, extra] = rest;
      if (keyId === undefined || keyId === '')
        return { ok: false, error: `${name} needs a key id: npm run keys -- ${name} <key-id>.` };
      if (extra !== undefined)
        return { ok: false, error: `${name} takes one key id, not '${extra}' too.` };
      return { ok: true, command: { ...common, kind: name, keyId } };
    }
  }
}
