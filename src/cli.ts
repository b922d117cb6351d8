/**
 * `image-api`: the operators' command line, with the server's configuration (environment).
 *
 *   image-api serve                      start the server
 *   image-api migrate                    bring the database schema up to date
 *   image-api users list
 *   image-api users create <name>        password from --password or IMAGE_API_PASSWORD; prints the token
 *   image-api users disable|enable|delete|make-admin <name>
 *   image-api users set-password <name>  password as for create; revokes the token
 *   image-api tokens revoke <name>
 *   image-api usage [name]               images and bytes per user; stored, shared by dedup, variants
 *   image-api gc [--apply]               unreferenced blobs and stray files: listed, or removed with --apply
 *   image-api check [--repair]           every stored original against its hash, every reference count
 *   image-api export <name> <dir>        a user's images and metadata, for another deployment
 *   image-api import <dir>               an export into this deployment
 *   image-api backup <file>              consistent SQLite snapshot + manifest of originals (PostgreSQL: the pg_dump command)
 *
 * --json prints machine-readable output. Exit codes: 0 done, 1 problems found (check) or failure,
 * 2 usage error, 3 no such user.
 */
import { pathToFileURL } from 'node:url';
import { openServices, type AppServices } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { migrate } from './db/database.js';
import { ApiError } from './errors.js';
import { backup, exportUser, importUser } from './tools/portability.js';

const USAGE = `usage: image-api <serve | migrate | users list|create|disable|enable|delete|set-password|make-admin <name> | tokens revoke <name> | usage [name] | gc [--apply] | check [--repair] | export <name> <dir> | import <dir> | backup <file>> [--json]`;

class UsageError extends Error {}

function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

interface Output {
  json: boolean;
  print(human: string, data: unknown): void;
  progress(done: number, total: number): void;
}

function output(json: boolean): Output {
  const tty = process.stderr.isTTY === true && !json;
  return {
    json,
    print(human, data) {
      console.log(json ? JSON.stringify(data, null, 2) : human);
    },
    progress(done, total) {
      if (tty) {
        const width = 30;
        const filled = Math.round((done / Math.max(total, 1)) * width);
        process.stderr.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}${done === total ? '\n' : ''}`);
      } else if (!json && (done === total || done % 100 === 0)) {
        process.stderr.write(`checked ${done}/${total}\n`);
      }
    },
  };
}

function password(flags: Map<string, string>): string {
  const value = flags.get('password') ?? process.env.IMAGE_API_PASSWORD;
  if (!value) throw new UsageError('give the password with --password <p> or in IMAGE_API_PASSWORD');
  return value;
}

async function run(
  services: AppServices,
  words: string[],
  flags: Map<string, string>,
  out: Output,
  databaseUrl: string | null,
): Promise<number> {
  const { admin, images } = services;
  const [command, sub, name] = words;
  const needName = () => {
    const target = command === 'users' || command === 'tokens' ? name : sub;
    if (!target) throw new UsageError(`${command} ${sub ?? ''} needs a user name`);
    return target;
  };
  switch (command) {
    case 'users':
      switch (sub) {
        case 'list': {
          const users = await admin.list();
          const lines = users.map(
            (u) =>
              `${u.username.padEnd(24)} ${String(u.images).padStart(7)} images ${megabytes(u.bytes).padStart(12)}${u.admin ? '  admin' : ''}${u.disabled ? '  disabled' : ''}`,
          );
          out.print(lines.join('\n') || '(no users)', users);
          return 0;
        }
        case 'create': {
          const token = await admin.create(needName(), password(flags), flags.get('email'));
          out.print(token, { username: name, token });
          return 0;
        }
        case 'disable':
        case 'enable':
          await admin.setDisabled(needName(), sub === 'disable');
          out.print(`${name} ${sub}d`, { username: name, disabled: sub === 'disable' });
          return 0;
        case 'make-admin':
          await admin.setAdmin(needName(), true);
          out.print(`${name} is an admin`, { username: name, admin: true });
          return 0;
        case 'set-password':
          await admin.setPassword(needName(), password(flags));
          out.print(`password of ${name} set; its token was revoked`, { username: name, tokenRevoked: true });
          return 0;
        case 'delete': {
          const deleted = await admin.delete(needName());
          out.print(`${name} deleted with ${deleted} images`, { username: name, imagesDeleted: deleted });
          return 0;
        }
      }
      throw new UsageError(`unknown users command: ${sub ?? '(none)'}`);
    case 'tokens':
      if (sub !== 'revoke') throw new UsageError('tokens revoke <name>');
      await admin.revokeToken(needName());
      out.print(`token of ${name} revoked`, { username: name, tokenRevoked: true });
      return 0;
    case 'usage': {
      const report = await images.usageReport();
      const users = sub ? report.users.filter((u) => u.username === sub) : report.users;
      if (sub && users.length === 0) throw new ApiError(404, { detail: 'Not found.' });
      const lines = [
        ...users.map((u) => `${u.username.padEnd(24)} ${String(u.images).padStart(7)} images ${megabytes(u.bytes).padStart(12)}`),
        ...(sub
          ? []
          : [
              '',
              `originals stored       ${report.originals.files} files, ${megabytes(report.originals.bytes)}`,
              `shared by dedup        ${megabytes(report.sharedByDedup)} counted by several images, stored once`,
              `variants               ${report.variants.files} files, ${megabytes(report.variants.bytes)}`,
            ]),
      ];
      out.print(lines.join('\n'), sub ? users[0] : report);
      return 0;
    }
    case 'gc': {
      const apply = flags.has('apply');
      const garbage = await images.findGarbage();
      const bytes = garbage.blobs.reduce((sum, blob) => sum + blob.bytes, 0);
      const lines = [
        ...garbage.blobs.map((blob) => `unreferenced blob   ${blob.sha256} (${blob.bytes} bytes)`),
        ...garbage.strayObjects.map((key) => `stray object        ${key}`),
        ...garbage.strayVariants.map((key) => `stray variant       ${key}`),
        ...garbage.staleUploads.map((path) => `stale upload file   ${path}`),
        `${garbage.blobs.length} unreferenced blobs (${megabytes(bytes)}), ${garbage.strayObjects.length} stray objects, ${garbage.strayVariants.length} stray variants, ${garbage.staleUploads.length} stale upload files${apply ? '' : ' — dry run: nothing deleted (--apply deletes)'}`,
      ];
      const report = apply ? await images.sweep() : null;
      if (report)
        lines.push(
          `removed ${report.blobsRemoved} blobs, ${report.strayObjectsRemoved} stray objects, ${report.strayVariantsRemoved} stray variants, ${report.staleUploadsRemoved} stale upload files`,
        );
      out.print(lines.join('\n'), { ...garbage, bytes, applied: apply, removed: report });
      return 0;
    }
    case 'check': {
      const started = performance.now();
      const report = await images.verify(flags.has('repair'), (done, total) => out.progress(done, total));
      const seconds = (performance.now() - started) / 1000;
      const problems = report.missing.length + report.corrupt.length + (report.wrongCounts.length - report.repaired);
      const lines = [
        ...report.missing.map((sha) => `missing   ${sha}`),
        ...report.corrupt.map((sha) => `corrupt   ${sha}`),
        ...report.wrongCounts.map(
          (c) => `count     ${c.sha256} recorded ${c.recorded}, actual ${c.actual}${flags.has('repair') ? ' (repaired)' : ''}`,
        ),
        `checked ${report.checked} originals (${megabytes(report.bytes)}) in ${seconds.toFixed(1)} s: ${problems === 0 ? 'all sound' : `${problems} problem(s)`}`,
      ];
      out.print(lines.join('\n'), { ...report, seconds });
      return problems === 0 ? 0 : 1;
    }
    case 'export': {
      if (!sub || !name) throw new UsageError('export <name> <dir>');
      const manifest = await exportUser(services, sub, name, (done, total) => out.progress(done, total));
      out.print(`exported ${manifest.images.length} images of ${sub} to ${name}`, {
        username: sub,
        directory: name,
        images: manifest.images.length,
      });
      return 0;
    }
    case 'import': {
      if (!sub) throw new UsageError('import <dir>');
      const result = await importUser(services, sub, (done, total) => out.progress(done, total));
      out.print(
        `imported ${result.images} images for ${result.username}${result.created ? ' (account created: set its password with users set-password)' : ''}`,
        result,
      );
      return 0;
    }
    case 'backup': {
      if (!sub) throw new UsageError('backup <file>');
      const result = await backup(services, sub, databaseUrl);
      out.print(
        result.command ?? `database snapshot in ${result.database}; ${result.originals} originals listed in ${result.manifest}`,
        result,
      );
      return 0;
    }
  }
  throw new UsageError(`unknown command: ${command ?? '(none)'}`);
}

export async function main(argv: string[]): Promise<number> {
  const flags = new Map<string, string>();
  const words: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--json' || arg === '--apply' || arg === '--repair') flags.set(arg.slice(2), '');
    else if (arg === '--password' || arg === '--email') flags.set(arg.slice(2), argv[++i] ?? '');
    else words.push(arg);
  }
  const out = output(flags.has('json'));
  if (words[0] === 'serve') {
    await import('./server.js');
    return -1;
  }
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      return 2;
    }
    throw error;
  }
  if (words.length === 0) {
    console.error(USAGE);
    return 2;
  }
  const services = await openServices({ ...config, logLevel: 'silent' });
  try {
    if (words[0] === 'migrate') {
      await migrate(services.db);
      out.print('schema up to date', { migrated: true });
      return 0;
    }
    return await run(services, words, flags, out, config.databaseUrl);
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`${error.message}\n${USAGE}`);
      return 2;
    }
    if (error instanceof ApiError) {
      if (error.statusCode === 404) {
        console.error('no such user');
        return 3;
      }
      console.error(JSON.stringify(error.body));
      return 1;
    }
    throw error;
  } finally {
    await services.db.close();
    services.storage.close?.();
    services.redis?.disconnect();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const code = await main(process.argv.slice(2));
  if (code >= 0) process.exit(code);
}
