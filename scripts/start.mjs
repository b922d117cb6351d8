#!/usr/bin/env node
// Starts the bundled server (or another entry point of dist/, given as the first argument, e.g.
// tools/transfer.js), building first what is missing or older than its sources.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureBuilt } from './ensure-built.mjs';
import { ensureSupportedNode } from './node-runtime.mjs';

await ensureSupportedNode();

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tool = process.argv[2]?.endsWith('.js') ? process.argv[2] : undefined;
const entry = tool ? join(root, 'dist', tool) : join(root, 'dist', 'bundle', 'server.js');
// The entry point sees itself as the script being run, with its own arguments after it.
process.argv.splice(1, tool ? 2 : 1, entry);
ensureBuilt(entry);
await import(entry);
