/**
 * `image-api`: the operators' command line, with the server's configuration (environment). It is
 * safe beside a running server. `image-api help` lists the commands.
 */
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, type Config } from './config.js';
import { migrate } from './db/database.js';
import { DomainError, InvalidInput, NotFound } from './errors.js';
import { openServices, type Services } from './services.js';
import { backup, exportUser, importUser, restore } from './tools/portability.js';

const EXIT = { done: 0, problems: 1, usage: 2, noSuchUser: 3 } as const;

class UsageError extends Error {}

interface Output {
  json: boolean;
  print(human: string, data: unknown): void;
  progress(done: number, total: number): void;
}

interface Context {
  services: Services;
  config: Config;
  out: Output;
  flags: Flags;
  /** Positional arguments after the command's words. */
  args: string[];
}

interface Command {
  /** The arguments after the command's words, as shown in help. */
  synopsis: string;
  summary: string;
  run(context: Context): Promise<number>;
}

const OPTIONS = {
  json: { type: 'boolean', default: false },
  apply: { type: 'boolean', default: false },
  repair: { type: 'boolean', default: false },
  password: { type: 'string' },
  email: { type: 'string' },
  as: { type: 'string' },
  'dry-run': { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;
type Flags = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

/** Sizes in the README's units (binary: MiB), as the web app and the API docs show them. */
function mebibytes(bytes: number): string {
  return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
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
        process.stderr.write(`${done}/${total}\n`);
      }
    },
  };
}

function password(flags: Flags): string {
  const value = flags.password ?? process.env.IMAGE_API_PASSWORD;
  if (!value) throw new UsageError('give the password with --password <p> or in IMAGE_API_PASSWORD');
  return value;
}

function required(args: string[], index: number, name: string): string {
  const value = args[index];
  if (!value) throw new UsageError(`missing <${name}>`);
  return value;
}

/** A command that acts on one user and reports what it did. */
function onUser(summary: string, act: (context: Context, name: string) => Promise<[string, Record<string, unknown>]>): Command {
  return {
    synopsis: '<name>',
    summary,
    async run(context) {
      const name = required(context.args, 0, 'name');
      const [human, data] = await act(context, name);
      context.out.print(human, { username: name, ...data });
      return EXIT.done;
    },
  };
}

const COMMANDS: Record<string, Command> = {
  'users list': {
    synopsis: '',
    summary: 'accounts with their image counts and bytes',
    async run({ services, out }) {
      const users = await services.admin.list();
      const lines = users.map((u) => {
        const marks = `${u.admin ? '  admin' : ''}${u.disabled ? '  disabled' : ''}`;
        return `${u.username.padEnd(24)} ${String(u.images).padStart(7)} images ${mebibytes(u.bytes).padStart(12)}${marks}`;
      });
      out.print(lines.join('\n') || '(no users)', users);
      return EXIT.done;
    },
  },
  'users create': {
    synopsis: '<name> --password <p> [--email <e>]',
    summary: 'create an account (password also from IMAGE_API_PASSWORD); prints its token',
    async run({ services, out, flags, args }) {
      const name = required(args, 0, 'name');
      const token = await services.admin.create(name, password(flags), flags.email);
      out.print(token, { username: name, token });
      return EXIT.done;
    },
  },
  'users disable': onUser("refuse the account's token and password from the next request", async ({ services }, name) => {
    await services.admin.setDisabled(name, true);
    return [`${name} disabled`, { disabled: true }];
  }),
  'users enable': onUser('enable a disabled account', async ({ services }, name) => {
    await services.admin.setDisabled(name, false);
    return [`${name} enabled`, { disabled: false }];
  }),
  'users make-admin': onUser('let the account use the admin API', async ({ services }, name) => {
    await services.admin.setAdmin(name, true);
    return [`${name} is an admin`, { admin: true }];
  }),
  'users set-password': {
    synopsis: '<name> --password <p>',
    summary: 'set a new password (same rules as registration); revokes the token',
    async run({ services, out, flags, args }) {
      const name = required(args, 0, 'name');
      await services.admin.setPassword(name, password(flags));
      out.print(`password of ${name} set; its token was revoked`, { username: name, tokenRevoked: true });
      return EXIT.done;
    },
  },
  'users delete': onUser('delete the account and its images (bytes other accounts share stay)', async ({ services }, name) => {
    const deleted = await services.admin.delete(name);
    return [`${name} deleted with ${deleted} images`, { imagesDeleted: deleted }];
  }),
  'tokens revoke': onUser("revoke the account's token (a new one is had by logging in)", async ({ services }, name) => {
    await services.admin.revokeToken(name);
    return [`token of ${name} revoked`, { tokenRevoked: true }];
  }),
  'keys list': {
    synopsis: '<name>',
    summary: "an account's API keys: id, name, scopes, expiry, last use (never the secret)",
    async run({ services, out, args }) {
      const name = required(args, 0, 'name');
      const keys = await services.keys.list(await services.admin.idOf(name));
      const lines = keys.map(
        (key) =>
          `${String(key.id).padStart(5)}  ${key.prefix}…  ${key.name.padEnd(24)} ${key.scopes.join(',')}` +
          `  last used ${key.lastUsedAt ?? 'never'}`,
      );
      out.print(lines.join('\n') || '(no keys)', keys);
      return EXIT.done;
    },
  },
  'keys revoke': {
    synopsis: '<name> [id]',
    summary: "revoke one of an account's API keys, or all of them without an id",
    async run({ services, out, args }) {
      const name = required(args, 0, 'name');
      const userId = await services.admin.idOf(name);
      if (args[1] !== undefined) {
        const id = Number(args[1]);
        if (!Number.isSafeInteger(id) || id < 1) throw new UsageError('the key id is a positive whole number');
        await services.keys.revoke(userId, id);
        out.print(`key ${id} of ${name} revoked`, { username: name, revoked: [id] });
      } else {
        const count = await services.keys.revokeAll(userId);
        out.print(`${count} keys of ${name} revoked`, { username: name, revoked: count });
      }
      return EXIT.done;
    },
  },
  usage: {
    synopsis: '[name]',
    summary: 'images and bytes per user; originals stored, shared by dedup, variants',
    async run({ services, out, args }) {
      const [name] = args;
      const report = await services.maintenance.usageReport();
      const users = name ? report.users.filter((u) => u.username === name) : report.users;
      if (name && users.length === 0) throw new NotFound();
      const lines = users.map((u) => `${u.username.padEnd(24)} ${String(u.images).padStart(7)} images ${mebibytes(u.bytes).padStart(12)}`);
      if (!name) {
        lines.push(
          '',
          `originals stored       ${report.originals.files} files, ${mebibytes(report.originals.bytes)}`,
          `shared by dedup        ${mebibytes(report.sharedByDedup)} counted by several images, stored once`,
          `variants               ${report.variants.files} files, ${mebibytes(report.variants.bytes)}`,
        );
      }
      out.print(lines.join('\n'), name ? users[0] : report);
      return EXIT.done;
    },
  },
  gc: {
    synopsis: '[--apply]',
    summary:
      'unreferenced blobs, stray objects and variants, stale upload files, expired resumable uploads: ' +
      'listed (dry run), or removed with --apply',
    async run({ services, out, flags }) {
      const garbage = await services.maintenance.findGarbage();
      const bytes = garbage.blobs.reduce((sum, blob) => sum + blob.bytes, 0);
      const lines = [
        ...garbage.blobs.map((blob) => `unreferenced blob   ${blob.sha256} (${blob.bytes} bytes)`),
        ...garbage.strayObjects.map((key) => `stray object        ${key}`),
        ...garbage.strayVariants.map((key) => `stray variant       ${key}`),
        ...garbage.staleUploads.map((path) => `stale upload file   ${path}`),
        ...garbage.expiredResumable.map((id) => `expired upload      ${id}`),
        ...garbage.strayParts.map((key) => `stray upload part   ${key}`),
        `${garbage.blobs.length} unreferenced blobs (${mebibytes(bytes)}), ${garbage.strayObjects.length} stray objects, ` +
          `${garbage.strayVariants.length} stray variants, ${garbage.staleUploads.length} stale upload files, ` +
          `${garbage.expiredResumable.length} expired resumable uploads` +
          (flags.apply ? '' : ' — dry run: nothing deleted (--apply deletes)'),
      ];
      const report = flags.apply ? await services.maintenance.sweep() : null;
      if (report) {
        lines.push(
          `removed ${report.blobsRemoved} blobs, ${report.strayObjectsRemoved} stray objects, ` +
            `${report.strayVariantsRemoved} stray variants, ${report.staleUploadsRemoved} stale upload files, ` +
            `${report.expiredResumableRemoved} expired resumable uploads`,
        );
      }
      out.print(lines.join('\n'), { ...garbage, bytes, applied: flags.apply, removed: report });
      return EXIT.done;
    },
  },
  check: {
    synopsis: '[--repair]',
    summary: 'every stored original against its SHA-256, every reference count (--repair corrects counts); exit 1 on problems',
    async run({ services, out, flags }) {
      const started = performance.now();
      const report = await services.maintenance.verify(flags.repair, (done, total) => out.progress(done, total));
      const seconds = (performance.now() - started) / 1000;
      const problems = report.missing.length + report.corrupt.length + (report.wrongCounts.length - report.repaired);
      const lines = [
        ...report.missing.map((sha) => `missing   ${sha}`),
        ...report.corrupt.map((sha) => `corrupt   ${sha}`),
        ...report.wrongCounts.map(
          (c) => `count     ${c.sha256} recorded ${c.recorded}, actual ${c.actual}${flags.repair ? ' (repaired)' : ''}`,
        ),
        `checked ${report.checked} originals (${mebibytes(report.bytes)}) in ${seconds.toFixed(1)} s: ` +
          (problems === 0 ? 'all sound' : `${problems} problem(s)`),
      ];
      out.print(lines.join('\n'), { ...report, seconds });
      return problems === 0 ? EXIT.done : EXIT.problems;
    },
  },
  export: {
    synopsis: '<name> <dir>',
    summary: "a user's images (as stored) and metadata, with a manifest.json",
    async run({ services, out, args }) {
      const [name, dir] = [required(args, 0, 'name'), required(args, 1, 'dir')];
      const manifest = await exportUser(services, name, dir, (done, total) => out.progress(done, total));
      out.print(`exported ${manifest.images.length} images of ${name} to ${dir}`, {
        username: name,
        directory: dir,
        images: manifest.images.length,
      });
      return EXIT.done;
    },
  },
  import: {
    synopsis: '<dir> [--as <name>] [--dry-run]',
    summary:
      'an export into this deployment, for its user or --as another (checked like uploads; new ids); ' +
      'images the account already has (same SHA-256) are skipped; --dry-run checks and counts, writes nothing',
    async run({ services, out, args, flags }) {
      const result = await importUser(services, required(args, 0, 'dir'), {
        as: flags.as,
        dryRun: flags['dry-run'],
        onProgress: (done, total) => out.progress(done, total),
      });
      const created = result.created
        ? ` (account ${result.dry_run ? 'would be ' : ''}created: set its password with users set-password)`
        : '';
      const verb = result.dry_run ? 'would import' : 'imported';
      out.print(`${verb} ${result.images} images for ${result.username}, skipped ${result.duplicates} it already has${created}`, result);
      return EXIT.done;
    },
  },
  backup: {
    synopsis: '<dir>',
    summary:
      'a complete backup into a new folder: every row (one consistent snapshot, also while serving) and every original, ' +
      'verified by SHA-256; the signing key too when it is DATA_DIR/secret.key',
    async run({ services, out, args, config }) {
      const result = await backup(services, required(args, 0, 'dir'), config);
      const key = result.key_included ? 'with the signing key' : 'without the signing key: keep SECRET_KEY to restore tokens and links';
      out.print(
        `backed up ${result.users} users, ${result.images} images, ${result.blobs} originals (${mebibytes(result.bytes)}) ` +
          `into ${result.directory}, ${key}`,
        result,
      );
      return EXIT.done;
    },
  },
  restore: {
    synopsis: '<dir>',
    summary: 'a backup into this deployment, which must be empty (stop the server first, start it after)',
    async run({ services, out, args, config }) {
      const result = await restore(services, required(args, 0, 'dir'), config);
      const key = {
        restored: 'the signing key restored into DATA_DIR/secret.key',
        same: 'the signing key is the one in use',
        differs: "the backup's signing key differs from SECRET_KEY: set SECRET_KEY to its secret.key for tokens and links to work",
        'not in backup': 'the backup holds no signing key: use the SECRET_KEY it was made with',
      }[result.key];
      out.print(`restored ${result.users} users, ${result.images} images, ${result.blobs} originals; ${key}`, result);
      return result.key === 'differs' ? EXIT.problems : EXIT.done;
    },
  },
  migrate: {
    synopsis: '',
    summary: 'bring the database schema up to date (the server also does at start-up)',
    async run({ services, out }) {
      await migrate(services.db);
      out.print('schema up to date', { migrated: true });
      return EXIT.done;
    },
  },
};

function help(command?: string): string {
  const lines = (names: string[]) =>
    names.map((name) => `  image-api ${`${name} ${COMMANDS[name]!.synopsis}`.padEnd(48)} ${COMMANDS[name]!.summary}`);
  const known = command
    ? Object.keys(COMMANDS).filter((name) => name === command || name.startsWith(`${command} `))
    : Object.keys(COMMANDS);
  return [
    'usage: image-api <command> [arguments] [--json]',
    '',
    ...(command ? [] : ['  image-api serve'.padEnd(60) + ' start the server (as npm start does)']),
    ...lines(known.length > 0 ? known : Object.keys(COMMANDS)),
    '',
    'It reads the same environment as the server (DATA_DIR, DATABASE_URL, STORAGE, ...) and is safe beside a running server.',
    '--json prints machine-readable output.',
    `Exit codes: ${EXIT.done} done, ${EXIT.problems} problems found (check) or refused (e.g. a weak password), ` +
      `${EXIT.usage} usage error, ${EXIT.noSuchUser} no such user.`,
  ].join('\n');
}

/** The command named by the first one or two words, and the words after it. */
function findCommand(words: string[]): { name: string; command: Command; args: string[] } | null {
  for (const length of [2, 1]) {
    const name = words.slice(0, length).join(' ');
    const command = COMMANDS[name];
    if (command && words.length >= length) return { name, command, args: words.slice(length) };
  }
  return null;
}

/** Domain refusals as exit codes: an unknown user is 3, every other refusal 1 (with the reasons). */
function exitCodeFor(error: DomainError): number {
  if (error instanceof NotFound) {
    console.error('no such user');
    return EXIT.noSuchUser;
  }
  console.error(error instanceof InvalidInput ? JSON.stringify(error.fields) : error.message);
  return EXIT.problems;
}

export async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${help()}`);
    return EXIT.usage;
  }
  const { values: flags, positionals: words } = parsed;
  if (words[0] === 'help' || (flags.help && words.length === 0) || words.length === 0) {
    console[words.length === 0 && !flags.help ? 'error' : 'log'](help(words.slice(1).join(' ') || undefined));
    return words.length === 0 && !flags.help ? EXIT.usage : EXIT.done;
  }
  if (words[0] === 'serve') {
    await import('./server.js');
    return -1;
  }
  const found = findCommand(words);
  if (!found) {
    console.error(`unknown command: ${words.join(' ')}\n\n${help()}`);
    return EXIT.usage;
  }
  if (flags.help) {
    console.log(help(found.name));
    return EXIT.done;
  }
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    return EXIT.usage;
  }
  const services = await openServices({ ...config, logLevel: 'silent' });
  try {
    return await found.command.run({ services, config, out: output(flags.json), flags, args: found.args });
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`${error.message}\n\n${help(found.name)}`);
      return EXIT.usage;
    }
    if (error instanceof DomainError) return exitCodeFor(error);
    throw error;
  } finally {
    await services.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const code = await main(process.argv.slice(2));
  if (code >= 0) process.exit(code);
}
