import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import { migrate, openSqlite, type Db, type SqliteReads } from '../src/db/database.js';
import { tempDataDir } from '../testkit/index.js';

const USERNAME = 'select username from users where id = ?';
const EVERY_NAME = 'select username from users order by id';

function newUser(username: string) {
  return {
    username,
    username_key: username,
    email: null,
    password_hash: 'unused',
    token_hash: `hash of ${username}`,
    token_nonce: `nonce of ${username}`,
    next_image_number: 1,
    created_at: new Date().toISOString(),
    disabled_at: null,
  };
}

/**
 * The SQLite read connection keeps results until the file changes (src/db/read-cache.ts): these
 * commit through other connections (another Db on the same file, another process, the own write
 * connection) and check that no read after the commit, as the server makes them, sees the old row.
 */
describe('SQLite hot reads: kept until any connection commits', () => {
  let dataDir: string;
  let server: Db;
  let other: Db;
  let reads: SqliteReads;
  const rename = (db: Db, name: string) => db.kysely.updateTable('users').set({ username: name }).where('id', '=', 1).execute();
  /** What a request arriving now reads. */
  const nameForRequest = () => {
    reads.markStale();
    return (reads.first(USERNAME, [1]) as { username: string } | undefined)?.username;
  };

  before(async () => {
    dataDir = await tempDataDir();
    server = openSqlite(dataDir);
    await migrate(server);
    other = openSqlite(dataDir);
    reads = server.reads!;
    await server.kysely.insertInto('users').values(newUser('first')).execute();
  });
  after(async () => {
    await other.close();
    await server.close();
  });

  test('a commit by another connection on the file is seen by the next request', async () => {
    assert.equal(nameForRequest(), 'first');
    assert.equal(nameForRequest(), 'first', 'kept (the same frozen row)');
    await rename(other, 'second');
    assert.equal(nameForRequest(), 'second');
  });

  test('results are frozen: a caller cannot change what later reads get', () => {
    reads.markStale();
    const row = reads.first(USERNAME, [1]) as { username: string };
    assert.ok(Object.isFrozen(row));
    assert.throws(() => {
      (row as { username: string }).username = 'changed';
    }, TypeError);
    const rows = reads.all(EVERY_NAME, []);
    assert.ok(Object.isFrozen(rows) && Object.isFrozen(rows[0]));
  });

  test('a commit by another process is seen by the next request', async () => {
    assert.equal(nameForRequest(), 'second');
    const script = `const D = require('libsql'); const db = new D(${JSON.stringify(join(dataDir, 'image-api.sqlite'))});
      db.exec("PRAGMA busy_timeout = 5000"); db.prepare("update users set username = 'third' where id = 1").run(); db.close();`;
    await promisify(execFile)(process.execPath, ['-e', script], { cwd: process.cwd() });
    assert.equal(nameForRequest(), 'third');
  });

  test("the process's own write is seen at once, inside the request that made it", async () => {
    assert.equal(nameForRequest(), 'third');
    await rename(server, 'fourth');
    assert.deepEqual(reads.first(USERNAME, [1]), { username: 'fourth' }, 'no request arrived in between');
  });

  test('background work (a later turn of the event loop, no request) sees commits too', async () => {
    assert.equal(nameForRequest(), 'fourth');
    await rename(other, 'fifth');
    await nextTurn();
    assert.deepEqual(reads.first(USERNAME, [1]), { username: 'fifth' });
  });

  test('a checkpoint that restarts the WAL, then a commit: still seen', async () => {
    assert.equal(nameForRequest(), 'fifth');
    await sql`PRAGMA wal_checkpoint(TRUNCATE)`.execute(other.kysely);
    await rename(other, 'sixth');
    assert.equal(nameForRequest(), 'sixth');
    assert.deepEqual(
      reads.all(EVERY_NAME, []).map((row) => (row as { username: string }).username),
      ['sixth'],
    );
  });

  test('a derived result (a whole answer) is kept until the next commit, and never kept when a commit came during its making', async () => {
    const answers = reads.derived<string>();
    reads.markStale();
    let epoch = answers.epoch();
    answers.set('link', 'answer one', epoch);
    reads.markStale();
    assert.equal(answers.get('link'), 'answer one', 'kept while nothing is committed');
    await rename(other, 'seventh');
    reads.markStale();
    assert.equal(answers.get('link'), undefined, 'dropped at the commit');

    // Made across awaits: a commit seen by another request in between makes it stale before it is kept.
    reads.markStale();
    epoch = answers.epoch();
    await rename(other, 'eighth');
    assert.equal(nameForRequest(), 'eighth', 'another request sees the commit');
    answers.set('link', 'answer two, from before the commit', epoch);
    reads.markStale();
    assert.equal(answers.get('link'), undefined, 'not kept');

    // A commit nobody has seen yet when it is kept: the next request drops it.
    reads.markStale();
    epoch = answers.epoch();
    await rename(other, 'ninth');
    answers.set('link', 'answer three, from before the commit', epoch);
    reads.markStale();
    assert.equal(answers.get('link'), undefined, 'dropped by the next request');
  });

  test('a row another connection inserts is found by the next request', async () => {
    reads.markStale();
    assert.equal(reads.first(USERNAME, [2]), undefined);
    await other.kysely.insertInto('users').values(newUser('another')).execute();
    reads.markStale();
    assert.deepEqual(reads.first(USERNAME, [2]), { username: 'another' });
  });
});
