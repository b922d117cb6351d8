// Baseline for uploads: a bare Node HTTP server that streams the request body to a file and hashes it.
// Usage: node upload-sink.mjs <port> <directory>
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

const [port, directory] = process.argv.slice(2);
createServer(async (request, response) => {
  const hash = createHash('sha256');
  const path = join(directory, randomBytes(8).toString('hex'));
  const hashing = new Transform({
    transform(chunk, _encoding, callback) {
      hash.update(chunk);
      callback(null, chunk);
    },
  });
  try {
    await pipeline(request, hashing, createWriteStream(path));
    response.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ sha256: hash.digest('hex') }));
  } catch {
    // The client went away mid-upload (the load generator stopping): nothing to answer.
    response.destroy();
  } finally {
    await unlink(path).catch(() => undefined);
  }
}).listen(Number(port), '127.0.0.1');
