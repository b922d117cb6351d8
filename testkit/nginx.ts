import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tempDataDir } from './server.js';

/** Debian's nginx. */
export const NGINX = '/usr/sbin/nginx';

/** Skip reason when nginx is missing; under CI its absence is a failure, not a skip. */
export const nginxMissing = !existsSync(NGINX) && !process.env.CI ? 'nginx is not installed (apt-get install nginx)' : false;

export interface RunningNginx {
  prefix: string;
  /** Graceful stop (SIGQUIT); resolves when nginx has exited. */
  stop(): Promise<void>;
}

/** A whole nginx.conf around the given `http` content, writing everything inside its prefix. */
export function httpConfig(httpBlock: string): string {
  return `worker_processes 1; pid nginx.pid; error_log error.log warn; events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path tmp/body; proxy_temp_path tmp/proxy;
  fastcgi_temp_path tmp/fastcgi; uwsgi_temp_path tmp/uwsgi; scgi_temp_path tmp/scgi;
  ${httpBlock}
}`;
}

/** Runs nginx with this configuration in a scratch prefix (checked with `nginx -t` first), until its URL answers. */
export async function startNginx(config: string, readyUrl?: string): Promise<RunningNginx> {
  if (!existsSync(NGINX)) throw new Error('nginx is not installed (apt-get install nginx)');
  const prefix = await tempDataDir();
  await mkdir(join(prefix, 'tmp'));
  // nginx's workers run as nobody: they must be able to enter the prefix and write their temporary files.
  await chmod(prefix, 0o755);
  await chmod(join(prefix, 'tmp'), 0o777);
  const file = join(prefix, 'nginx.conf');
  await writeFile(file, config);
  const check = spawnSync(NGINX, ['-t', '-p', prefix, '-c', file], { encoding: 'utf8' });
  if (check.status !== 0) throw new Error(`nginx -t refused the configuration:\n${check.stderr}`);
  const child = spawn(NGINX, ['-p', prefix, '-c', file, '-g', 'daemon off;'], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    child.kill('SIGQUIT');
    await exited;
  };
  if (readyUrl) {
    const deadline = Date.now() + 20_000;
    while (
      !(await fetch(readyUrl).then(
        (r) => r.status < 500,
        () => false,
      ))
    ) {
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`${readyUrl} did not come up behind nginx`);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
  return { prefix, stop };
}

/** Where nginx listens, what it proxies to, and DATA_DIR/storage for DELIVERY=nginx: deploy/nginx-render.sh's variables. */
export interface NginxDeployment {
  instances: string[];
  listen: string;
  files?: string;
}

/** The shipped configuration, rendered by the shipped script (deploy/nginx-render.sh) exactly as the guide says. */
export function shippedNginxConfig(deployment: NginxDeployment): string {
  const script = join(import.meta.dirname, '..', 'deploy', 'nginx-render.sh');
  const rendered = spawnSync(script, {
    encoding: 'utf8',
    env: {
      PATH: process.env.PATH,
      IMAGE_API_INSTANCES: deployment.instances.join(' '),
      IMAGE_API_LISTEN: deployment.listen,
      ...(deployment.files ? { IMAGE_API_FILES: deployment.files } : {}),
    },
  });
  if (rendered.status !== 0) throw new Error(`deploy/nginx-render.sh failed:\n${rendered.stderr}`);
  return rendered.stdout;
}

/** The internal location of the shipped configuration, pointed at this storage (for a test's own server block). */
export function internalFilesLocation(storage: string): string {
  const config = shippedNginxConfig({ instances: ['127.0.0.1:1'], listen: '127.0.0.1:1', files: storage });
  const location = /^ {8}location \/_image-api-files\/ \{$[\s\S]*?^ {8}\}$/m.exec(config);
  if (!location) throw new Error('deploy/nginx.conf.template has no internal files location');
  return location[0];
}
