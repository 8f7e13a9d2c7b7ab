// The CLI is the package's `bin`: keep it executable after every build (tsc writes files 0644).
import { chmodSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

chmodSync(join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'api', 'cli', 'main.js'), 0o755);
