import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { envExample, meaningsOf, variablesOf } from '../scripts/env-example.js';

const ROOT = join(import.meta.dirname, '..');

test('.env.example lists every variable config.ts reads, with its default and range, and the README describes each', async () => {
  const source = await readFile(join(ROOT, 'src', 'config.ts'), 'utf8');
  const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
  const committed = await readFile(join(ROOT, '.env.example'), 'utf8');
  assert.equal(committed, envExample(source, readme), '.env.example is out of date: run node --import tsx scripts/env-example.ts');
  const variables = variablesOf(source).map((variable) => variable.name);
  assert.ok(variables.length > 70, `${variables.length} variables found`);
  const meanings = meaningsOf(readme);
  assert.deepEqual(
    variables.filter((name) => !meanings.has(name)),
    [],
    'variables without a row in the README configuration table',
  );
  const port = variablesOf(source).find((variable) => variable.name === 'PORT');
  assert.deepEqual(port, { name: 'PORT', fallback: '8000', range: '0–65535' });
});
