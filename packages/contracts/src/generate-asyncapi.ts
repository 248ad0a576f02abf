import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { renderAsyncApi } from './index';

// Run after a build: writes the committed AsyncAPI document beside the package.
const target = join(__dirname, '..', 'asyncapi.json');
writeFileSync(target, renderAsyncApi());
process.stdout.write(`wrote ${target}\n`);
