import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generatedModule, renderDashboardModule } from '../../scripts/build-dashboard';

describe('the committed dashboard bundle', () => {
  it('matches what npm run build:dashboard makes from dashboard/ now', async () => {
    const committed = readFileSync(generatedModule, 'utf8');
    expect(committed === (await renderDashboardModule()), 'run npm run build:dashboard').toBe(true);
  }, 30_000);
});
