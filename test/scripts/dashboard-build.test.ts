import { describe, expect, it } from 'vitest';
import { buildDashboard, committedDashboard } from '../../scripts/build-dashboard';

describe('the committed dashboard bundle', () => {
  it('matches what npm run build:dashboard makes from dashboard/ now', async () => {
    const built = await buildDashboard();
    const committed = committedDashboard();
    expect(Object.keys(committed.assets).sort(), 'run npm run build:dashboard').toEqual(
      Object.keys(built.assets).sort(),
    );
    expect(committed.module === built.module, 'run npm run build:dashboard').toBe(true);
    for (const [name, text] of Object.entries(built.assets)) {
      expect(committed.assets[name] === text, `${name}: run npm run build:dashboard`).toBe(true);
    }
  }, 30_000);
});
