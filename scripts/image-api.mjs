#!/usr/bin/env node
// The `image-api` command (package bin): the operators' tool in dist/cli.js, built first if needed.
process.argv.splice(2, 0, 'cli.js');
await import('./start.mjs');
