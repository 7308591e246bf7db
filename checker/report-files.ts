/** Writing a counterexample's trace and report to a directory, never overwriting without `force`. */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
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

/** Write `<name>.json` and `<name>.md` into `dir` (created if missing). Checks both files before writing either. */
export function writeReport(dir: string, t: Trace, o: { force: boolean; cwd?: string }): WrittenReport {
  const p = reportPaths(dir, t, o.cwd);
  if (!o.force) {
    for (const f of [p.json, p.md]) {
      if (existsSync(f)) throw new ReportFileError(`${displayPath(f, o.cwd)} exists; pass --force to overwrite it`);
    }
  }
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
