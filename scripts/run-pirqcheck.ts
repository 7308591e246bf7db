/**
 * bin/pirqcheck.js in a child process, without blocking: the tests and the documentation generator run the
 * commands that do not depend on each other at once. NO_COLOR is set (the output is compared as text).
 */
import { spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = join(resolve(dirname(fileURLToPath(import.meta.url)), '..'), 'bin', 'pirqcheck.js');

export interface PirqcheckRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Run pirqcheck with `args` (stdin closed) in `cwd` (default: this process's), with `env` added. */
export function runPirqcheck(args: readonly string[], o: { readonly cwd?: string; readonly env?: Readonly<Record<string, string>> } = {}): Promise<PirqcheckRun> {
  return new Promise((done, fail) => {
    const p = spawn(process.execPath, [BIN, ...args], { ...(o.cwd ? { cwd: o.cwd } : {}), env: { ...process.env, NO_COLOR: '1', ...o.env } });
    let stdout = '';
    let stderr = '';
    p.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    p.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    p.on('error', fail);
    p.stdin.end();
    p.on('close', (status) => done({ status, stdout, stderr }));
  });
}
