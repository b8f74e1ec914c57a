import { applyD1Migrations } from 'cloudflare:test';
import { env } from 'cloudflare:workers';

// Every test file starts from the schema in migrations/, the same SQL wrangler applies.
await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
