// Builds the admin console into dist/console: one script bundle (esbuild, offline), the page, its style and icon.
import { build } from 'esbuild';
import { copyFile, mkdir } from 'node:fs/promises';
import { fileURLToPath, URL } from 'node:url';

const here = (path) => fileURLToPath(new URL(path, import.meta.url));
const out = here('../../dist/console/');

await mkdir(out, { recursive: true });
await build({
  entryPoints: [here('./ui/main.ts')],
  outfile: `${out}app.js`,
  bundle: true,
  minify: true,
  format: 'esm',
  target: ['es2022'],
  legalComments: 'none',
  logLevel: 'warning',
});
for (const file of ['index.html', 'app.css', 'favicon.svg']) await copyFile(here(`./static/${file}`), `${out}${file}`);
