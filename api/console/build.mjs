// Builds the admin console into dist/console: one script and one style sheet (esbuild, offline), the page, its icon.
// Each file is written aside and renamed into place, so that a server starting meanwhile never reads half a file.
import { build } from 'esbuild';
import { copyFile, mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { fileURLToPath, URL } from 'node:url';

const here = (path) => fileURLToPath(new URL(path, import.meta.url));
const out = here('../../dist/console/');

await mkdir(out, { recursive: true });
const aside = await mkdtemp(here('../../dist/console-build-'));
try {
  await build({
    entryPoints: { app: here('./ui/main.ts') },
    outdir: aside,
    bundle: true,
    minify: true,
    format: 'esm',
    target: ['es2022'],
    legalComments: 'none',
    logLevel: 'warning',
  });
  await build({
    entryPoints: [here('./styles/app.css')],
    outfile: `${aside}/app.css`,
    bundle: true,
    minify: true,
    logLevel: 'warning',
  });
  const statics = ['index.html', 'favicon.svg'];
  for (const file of statics) await copyFile(here(`./static/${file}`), `${aside}/${file}`);
  for (const file of ['app.js', 'app.css', ...statics]) await rename(`${aside}/${file}`, `${out}${file}`);
} finally {
  await rm(aside, { recursive: true, force: true });
}
