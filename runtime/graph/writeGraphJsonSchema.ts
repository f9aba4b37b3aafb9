/** Writes extension/schemas/apxm-graph.schema.json from the op catalogue: `node out/runtime/graph/writeGraphJsonSchema.js`. */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { apxmGraphJsonSchema } from './graphJsonSchema.js';

const file = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../extension/schemas/apxm-graph.schema.json');
writeFileSync(file, JSON.stringify(apxmGraphJsonSchema(), null, 2) + '\n');
console.log(`wrote ${file}`);
