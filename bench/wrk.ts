import { spawn } from 'node:child_process';

export interface WrkResult {
  requestsPerSecond: number;
  /** Responses outside 2xx and 3xx (wrk's own count). */
  errors: number;
}

/**
 * Throughput measured by wrk (Debian's package), a native load generator: autocannon, in Node,
 * saturated near 1,300 req/s here, before nginx or the service did, and hid the difference.
 */
export function wrk(url: string, options: { connections: number; seconds: number; threads?: number; headers?: Record<string, string> }) {
  const args = [`-t${options.threads ?? 2}`, `-c${options.connections}`, `-d${Math.max(1, Math.round(options.seconds))}s`];
  for (const [name, value] of Object.entries(options.headers ?? {})) args.push('-H', `${name}: ${value}`);
  args.push(url);
  return new Promise<WrkResult>((resolve, reject) => {
    const child = spawn('wrk', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', (error) => reject(new Error(`wrk could not run (apt-get install wrk): ${error.message}`)));
    child.on('close', (code) => {
      const rate = /Requests\/sec:\s+([\d.]+)/.exec(output);
      if (code !== 0 || !rate) return reject(new Error(`wrk ${args.join(' ')} failed (${code}): ${output.trim()}`));
      const errors = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(output)?.[1] ?? 0);
      const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
      const failed = errors + (socketErrors ? Number(socketErrors[1]) + Number(socketErrors[3]) + Number(socketErrors[4]) : 0);
      if (failed > 0) return reject(new Error(`${url}: ${failed} failed responses under wrk:\n${output.trim()}`));
      resolve({ requestsPerSecond: Number(rate[1]), errors });
    });
  });
}
