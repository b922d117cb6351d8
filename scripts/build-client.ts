// `npm run build:client`: regenerates client/schema.d.ts from the server's OpenAPI spec.
import { writeFile } from 'node:fs/promises';
import { currentSpec, generateSchemaTypes, SCHEMA_FILE } from '../client/generate.js';

await writeFile(SCHEMA_FILE, await generateSchemaTypes(await currentSpec()));
console.log(`client: wrote ${SCHEMA_FILE}`);
