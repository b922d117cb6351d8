// Baseline for the metadata read: a bare Fastify route returning a fixed JSON document from memory.
// Usage: node fastify-json.mjs <port> <json-file>
import Fastify from 'fastify';
import { readFileSync } from 'node:fs';

const [port, file] = process.argv.slice(2);
const body = JSON.parse(readFileSync(file, 'utf8'));
const app = Fastify();
app.get('/images/:id/', async () => body);
await app.listen({ host: '127.0.0.1', port: Number(port) });
