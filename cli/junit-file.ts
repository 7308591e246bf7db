/** `--junit FILE`: where a JUnit report may be written (a new file, or a JUnit report written before). */
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { UsageError } from './options.ts';

/**
 * Refuse, before any work, a path that cannot take the report: an existing file that is not a JUnit report
 * (never overwrite a user's file), something that is not a regular file (a directory, /proc, a FIFO), or a
 * missing directory.
 */
export function checkJunitPath(file: string): void {
  if (existsSync(file)) {
    const st = statSync(file);
    if (!st.isFile()) throw new UsageError(`--junit '${file}' is not a regular file`);
    const head = readFileSync(file, 'utf8').slice(0, 4096);
    if (!/^<\?xml[^>]*>\s*<testsuites[\s>]/.test(head)) throw new UsageError(`--junit '${file}' exists and is not a JUnit report; not overwriting it`);
    return;
  }
  const dir = dirname(file);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`--junit '${file}': directory '${dir}' does not exist`);
  if (dir === '/proc' || dir.startsWith('/proc/') || dir === '/sys' || dir.startsWith('/sys/')) throw new UsageError(`--junit '${file}' is not a regular file`);
}

export function writeJunitFile(file: string, xml: string): void {
  try {
    writeFileSync(file, xml);
  } catch (e) {
    throw new UsageError(`cannot write --junit '${file}': ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
}
