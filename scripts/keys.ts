import path from 'node:path';
import {
  buildKeyRecord,
  describeLimits,
  issueKeySecret,
  newKeyId,
  rotationOutcome,
  secretShownOnceWarning,
  toKeySummary,
  type KeySummary,
} from '../worker/admin/key-records';
import { oneLineError } from './lib/cli-error';
import {
  createKeySql,
  firstKeyRow,
  keyRowSchema,
  listKeysSql,
  revokeKeySql,
  rotateKeySql,
} from './lib/key-sql';
import { keysUsage, parseKeysArgs, type KeysCommand } from './lib/keys-args';
import { formatTable } from './lib/table';
import { d1Execute, repoRoot, type D1Target } from './lib/wrangler';

/**
 * `npm run keys -- create|list|revoke|rotate …`: API keys without hand-written SQL, on local D1
 * state or (`--remote`) the deployed database, through `wrangler d1 execute`. The admin API
 * (`/admin/keys`) does the same; both share worker/admin/key-records.ts. A secret is printed
 * once and never sent to wrangler: only its hash is.
 */

/** Uniform in [0, 1) from the CSPRNG, the same source the Worker's ids come from. */
const cryptoRng = { next: () => crypto.getRandomValues(new Uint32Array(1))[0]! / 2 ** 32 };

class CliError extends Error {}

const print = (text: string) => process.stdout.write(`${text}\n`);
const printJson = (value: unknown) => print(JSON.stringify(value, null, 2));
const isoMinute = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace('T', ' ');

function printSecret(verb: string, key: KeySummary, secret: string): void {
  print(`${verb} key ${key.id} for tenant ${key.tenantId} (${key.name}), prefix ${key.prefix}.`);
  print(`Limits: ${describeLimits(key.limits)}.`);
  print(`Models: ${key.allowedModels?.join(', ') ?? 'all'}. Cache: ${key.cacheMode}.`);
  print(`Payload logging: ${key.logPayloads ? 'on (redacted, expiring)' : 'off'}.\n`);
  print(`    ${secret}\n`);
  print(`WARNING: ${secretShownOnceWarning}`);
}

function printList(keys: readonly KeySummary[], tenantId: string | undefined): void {
  if (keys.length === 0) {
    print(tenantId === undefined ? 'No keys.' : `No keys for tenant ${tenantId}.`);
    return;
  }
  const rows = keys.map((k) => ({
    id: k.id,
    tenant: k.tenantId,
    name: k.name,
    prefix: k.prefix,
    status: k.status,
    limits: describeLimits(k.limits),
    payloads: k.logPayloads ? 'logged' : 'off',
    models: k.allowedModels?.join(',') ?? 'all',
    cache: k.cacheMode,
    created: isoMinute(k.createdAtMs),
  }));
  const columns = [
    'id',
    'tenant',
    'name',
    'prefix',
    'status',
    'limits',
    'models',
    'cache',
    'payloads',
    'created',
  ];
  print(
    formatTable(
      rows,
      columns.map((key) => ({ key, label: key })),
    ),
  );
}

/** Runs the statements and returns each one's rows; a wrangler failure becomes one line. */
async function execute(sql: string, target: D1Target): Promise<unknown[][]> {
  try {
    return await d1Execute(sql, target);
  } catch (error) {
    throw new CliError(oneLineError(error));
  }
}

const unknownKey = (keyId: string) => new CliError(`No API key has the id '${keyId}'.`);

async function run(command: Exclude<KeysCommand, { kind: 'help' }>): Promise<void> {
  const { target, json } = command;
  switch (command.kind) {
    case 'create': {
      const issued = await issueKeySecret();
      const record = buildKeyRecord(
        command.input,
        { keyId: newKeyId(cryptoRng), keyHash: issued.keyHash, keyPrefix: issued.keyPrefix },
        Date.now(),
      );
      await execute(createKeySql(record), target);
      const key = toKeySummary(record.key);
      if (json) printJson({ key, secret: issued.secret, warning: secretShownOnceWarning });
      else printSecret('Created', key, issued.secret);
      return;
    }
    case 'list': {
      const [rows = []] = await execute(listKeysSql(command.tenantId), target);
      const keys = rows.map((row) => toKeySummary(keyRowSchema.parse(row)));
      if (json) printJson({ object: 'list', data: keys });
      else printList(keys, command.tenantId);
      return;
    }
    case 'revoke': {
      // Auth reads the key's status from D1 on every request, so this write alone stops it. The
      // admin API also flags the key's Durable Object, which the CLI cannot reach.
      const [before, , after] = await execute(revokeKeySql(command.keyId, Date.now()), target);
      const row = firstKeyRow(after);
      if (row === undefined) throw unknownKey(command.keyId);
      const key = toKeySummary(row);
      if (json) printJson({ key });
      else if (firstKeyRow(before)?.status === 'revoked')
        print(`${key.id} was already revoked (${isoMinute(key.revokedAtMs ?? 0)} UTC).`);
      else print(`Revoked ${key.id} (tenant ${key.tenantId}): requests with it now get 401.`);
      return;
    }
    case 'rotate': {
      const issued = await issueKeySecret();
      const [, after] = await execute(rotateKeySql(command.keyId, issued), target);
      const outcome = rotationOutcome(firstKeyRow(after));
      switch (outcome.status) {
        case 'not_found':
          throw unknownKey(command.keyId);
        case 'revoked':
          throw new CliError(
            `${command.keyId} is revoked and cannot be rotated; create a new key.`,
          );
        case 'rotated':
          if (json)
            printJson({ key: outcome.key, secret: issued.secret, warning: secretShownOnceWarning });
          else printSecret('Rotated', outcome.key, issued.secret);
          return;
      }
    }
  }
}

async function main(): Promise<void> {
  const parsed = parseKeysArgs(process.argv.slice(2), path.join(repoRoot, '.wrangler/state'));
  if (!parsed.ok) throw new CliError(parsed.error);
  if (parsed.command.kind === 'help') print(keysUsage);
  else await run(parsed.command);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `keys: ${error instanceof CliError ? error.message : oneLineError(error)}\n`,
  );
  process.exit(1);
});
