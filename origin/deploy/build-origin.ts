/**
 * `npm run build:origin [-- --out-dir DIR]`: writes the runnable sidecar bundle (default
 * `dist/origin/`). Copy the directory to the GPU host; see origin/deploy/README.md.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { buildOriginBundle } from './build-origin-bundle';

const { values } = parseArgs({
  options: { 'out-dir': { type: 'string', default: 'dist/origin' } },
});
const outDir = path.resolve(values['out-dir']);
const files = await buildOriginBundle(outDir);
process.stdout.write(
  `built ${files.map((file) => path.relative(process.cwd(), file)).join(', ')}\n`,
);
