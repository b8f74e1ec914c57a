import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildOriginBundle, bundleEntries } from '../../../../origin/deploy/build-origin-bundle';

let built: Promise<string> | undefined;

/**
 * The sidecar and simulator bundled exactly as `npm run build:origin` does, once per test file.
 * Process tests run these: the same code as the sources, a second faster to start than through
 * tsx, and the deploy artefact is exercised on every run.
 */
export function originBundleDir(): Promise<string> {
  built ??= (async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'origin-bundle-'));
    await buildOriginBundle(dir);
    return dir;
  })();
  return built;
}

export async function bundledSidecarPath(): Promise<string> {
  return path.join(await originBundleDir(), bundleEntries.sidecar);
}
