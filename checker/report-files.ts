/** Writing a counterexample's trace and report to a directory, never overwriting without `force`. */
import { accessSync, constants, existsSync, mkdirSync, statSync, statfsSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { markdownReport, traceName } from './report.ts';
import { serializeTrace, type Trace } from './trace.ts';

/** A report could not be written: one line, nothing was written. */
export class ReportFileError extends Error {}

export interface WrittenReport {
  readonly json: string;
  readonly md: string;
  /** The trace path as printed in the report and on the terminal (relative to `cwd`, `/` separators). */
  readonly tracePath: string;
}

export function displayPath(p: string, cwd: string = process.cwd()): string {
  const rel = relative(cwd, p);
  return (rel === '' ? '.' : rel).split(sep).join('/');
}

export function reportPaths(dir: string, t: Trace, cwd: string = process.cwd()): WrittenReport {
  const base = traceName(t);
  const json = join(dir, `${base}.json`);
  const md = join(dir, `${base}.md`);
  return { json, md, tracePath: displayPath(json, cwd) };
}

/** Filesystems that take no report: proc and sysfs (creating directories there fails, or never returns). */
const PSEUDO_FS: Readonly<Record<number, string>> = { 0x9fa0: 'proc', 0x62656572: 'sysfs', 0x64626720: 'debugfs', 0x27e0eb: 'cgroup', 0x63677270: 'cgroup2' };

/**
 * Check, before any work, that `dir` can take report files: an existing directory, or a path whose
 * nearest existing ancestor is a writable directory on a real filesystem (not /proc or /sys).
 */
export function checkReportDir(dir: string, what = '--report', cwd: string = process.cwd()): void {
  const abs = resolve(cwd, dir);
  let at = abs;
  while (!existsSync(at)) {
    const up = dirname(at);
    if (up === at) break;
    at = up;
  }
  const shown = displayPath(dir, cwd);
  if (!statSync(at).isDirectory()) throw new ReportFileError(`${what} '${shown}': ${at === abs ? 'not a directory' : `${displayPath(at, cwd)} is not a directory`}`);
  const fs = PSEUDO_FS[Number(statfsSync(at).type)];
  if (fs) throw new ReportFileError(`${what} '${shown}' is on ${fs}, which takes no files; choose a directory on a real filesystem`);
  try {
    accessSync(at, constants.W_OK);
  } catch {
    throw new ReportFileError(`${what} '${shown}': ${displayPath(at, cwd)} is not writable`);
  }
}

/** The files of `t`'s report that exist in `dir` (without --force they are not overwritten). */
export function existingReportFiles(dir: string, t: Trace, cwd: string = process.cwd()): string[] {
  const p = reportPaths(dir, t, cwd);
  return [p.json, p.md].filter((f) => existsSync(f)).map((f) => displayPath(f, cwd));
}

/** Write `<name>.json` and `<name>.md` into `dir` (created if missing). Checks both files before writing either. */
export function writeReport(dir: string, t: Trace, o: { force: boolean; cwd?: string }): WrittenReport {
  const p = reportPaths(dir, t, o.cwd);
  if (!o.force) {
    for (const f of [p.json, p.md]) {
      if (existsSync(f)) throw new ReportFileError(`${displayPath(f, o.cwd)} exists; pass --force to overwrite it`);
    }
  }
  checkReportDir(dir, '--report', o.cwd);
  const md = markdownReport(t, { tracePath: p.tracePath });
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(p.json, serializeTrace(t));
    writeFileSync(p.md, md);
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    throw new ReportFileError(`cannot write report into ${displayPath(dir, o.cwd)}${typeof code === 'string' ? ` (${code})` : ''}`);
  }
  return p;
}
