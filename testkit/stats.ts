import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** The value below which `fraction` of the values lie (nearest rank; 1 gives the maximum). */
export function percentile(values: number[], fraction: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))] ?? 0;
}

/** Resident memory of a process, from /proc. */
export async function rssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
}

/** The processes a process started (a primary's node:cluster workers). */
export function childProcesses(pid: number): number[] {
  try {
    return execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' })
      .split('\n')
      .map((line) => Number(line.trim()))
      .filter((child) => child > 0);
  } catch {
    return []; // ps exits 1 when there are none
  }
}

/** Resident memory of a process and the processes it started (a whole WORKERS > 1 instance). */
export async function treeRssMiB(pid: number): Promise<number> {
  const sizes = await Promise.all([pid, ...childProcesses(pid)].map((each) => rssMiB(each).catch(() => 0)));
  return sizes.reduce((sum, size) => sum + size, 0);
}
