import assert from 'node:assert/strict';
import { fetchBytes } from './http.js';
import type { TestServer } from './server.js';

type Fetched = Awaited<ReturnType<typeof fetchBytes>>;

/** How many link requests the server answered from memory (LinkMemo). */
export async function rememberedAnswers(server: TestServer): Promise<number> {
  return (await server.built.services.metrics.rememberedLinks.get()).values[0]?.value ?? 0;
}

/**
 * A link fetched again until two answers came from memory (on SQLite; a variant is remembered once it
 * is stored, a moment after its first render), or three times (PostgreSQL, which remembers nothing).
 * Every answer is the first one: 200, the same bytes, the same `sameHeaders`; `check` looks further.
 * Returns the first answer.
 */
export async function sameAnswers(
  server: TestServer,
  url: string,
  options: { headers?: Record<string, string>; sameHeaders: string[]; check?: (answer: Fetched, first: Fetched) => void },
): Promise<Fetched> {
  const { headers = {}, sameHeaders, check } = options;
  const remembers = server.built.services.db.reads !== null;
  const first = await fetchBytes(url, headers);
  assert.equal(first.status, 200, url);
  const start = await rememberedAnswers(server);
  for (let attempt = 1; remembers ? (await rememberedAnswers(server)) - start < 2 : attempt < 3; attempt++) {
    assert.ok(attempt < 100, 'answered from memory within 5 s');
    const answer = await fetchBytes(url, headers);
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.bytes, first.bytes);
    for (const name of sameHeaders) assert.equal(answer.headers.get(name), first.headers.get(name), name);
    check?.(answer, first);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return first;
}
