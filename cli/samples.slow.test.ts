/**
 * Every sample output in README.md and docs/writing-a-fix.md is what the command prints: each fenced block
 * that starts with `$ COMMAND` is run (`node bin/pirqcheck.js ...`, `npm start`) and its output compared
 * line by line. A line `...` or `[... text ...]` in a sample stands for any number of lines. Paths under
 * /tmp/ in a sample are given a fresh directory of the test's own. Blocks run in document order (a later one
 * may read what an earlier one wrote, as a reader following the text would).
 *
 * `UPDATE_SAMPLES=1 npx vitest run --config vitest.slow.config.ts cli/samples.slow.test.ts` rewrites the samples that have no
 * elision. It runs every command of the docs, `npm start` included (minutes on 2 cores), so it is in the slow tier
 * (`npm run test:slow`, run by the CI workflows on a schedule), not in `npm test`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { INVARIANTS } from '../model/invariants.ts';
import { matrixEntries } from '../checker/matrix.ts';
import { junitSchemaErrors as schemaErrors } from '../checker/junit-xsd.ts';
import { describe, expect, it } from 'vitest';
import { SECTION as WALKTHROUGH } from '../scripts/fix-walkthrough.ts';

const ROOT = join(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'pirqcheck.js');
const UPDATE = process.env['UPDATE_SAMPLES'] === '1';

interface Sample {
  readonly doc: string;
  readonly line: number;
  readonly command: string;
  readonly expected: string[];
  /** Offsets into the document of the output lines (for UPDATE). */
  readonly start: number;
  readonly end: number;
}

export function samplesOf(doc: string, text: string): Sample[] {
  const out: Sample[] = [];
  const re = /^```\n\$ (.*)\n([\s\S]*?)^```$/gm;
  for (const m of text.matchAll(re)) {
    const start = m.index + 4 + 2 + m[1]!.length + 1;
    out.push({ doc, line: text.slice(0, m.index).split('\n').length, command: m[1]!, expected: m[2]!.replace(/\n$/, '').split('\n'), start, end: start + m[2]!.length });
  }
  return out;
}

const isElision = (l: string) => l.trim() === '...' || /^\s*\[\.\.\. .*\]$/.test(l);

/** Does `actual` match `expected` (elisions match any run of lines)? Returns the first mismatch. */
export function matchSample(expected: readonly string[], actual: readonly string[]): string | null {
  const go = (i: number, j: number): string | null => {
    if (i === expected.length) return j === actual.length ? null : `output goes on after the sample's last line: ${JSON.stringify(actual[j])}`;
    if (isElision(expected[i]!)) {
      for (let k = j; k <= actual.length; k++) if (go(i + 1, k) === null) return null;
      return `no output matches the lines after the elision at sample line ${i + 1}: ${JSON.stringify(expected[i + 1])}`;
    }
    if (j === actual.length) return `output ends before sample line ${i + 1}: ${JSON.stringify(expected[i])}`;
    if (expected[i]!.trimEnd() !== actual[j]!.trimEnd()) return `sample line ${i + 1}: expected ${JSON.stringify(expected[i])}, got ${JSON.stringify(actual[j])}`;
    return go(i + 1, j + 1);
  };
  return go(0, 0);
}

/**
 * A /tmp/NAME of the documents is run as a fresh directory of the same length (so that wrapped lines wrap
 * alike), and shown back as /tmp/NAME in the output.
 */
const TMP = new Map<string, string>();
function tmpFor(path: string): string {
  let t = TMP.get(path);
  if (!t) {
    const name = path.slice('/tmp/'.length);
    t = mkdtempSync(join('/tmp', name.length > 6 ? name.slice(0, name.length - 6) : 'p'));
    TMP.set(path, t);
  }
  return t;
}

function runSample(command: string): string {
  const paths = [...new Set(command.match(/\/tmp\/[A-Za-z0-9._-]+/g) ?? [])];
  let args = command;
  for (const p of paths) args = args.split(p).join(tmpFor(p));
  // npm start is the matrix; its JUnit report (which only adds a line on stderr) is checked below.
  const argv = args === 'npm start' ? ['matrix', '--junit', MATRIX_JUNIT] : args.replace(/^node bin\/pirqcheck\.js /, '').split(' ');
  const r = spawnSync(process.execPath, [BIN, ...argv], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', COLUMNS: '', PIRQCHECK_PROGRESS: '0' } });
  let out = r.stdout;
  for (const p of paths) out = out.split(tmpFor(p)).join(p);
  return out;
}

const MY_FIX = join(ROOT, 'my-fix.ts');
const MATRIX_JUNIT = join(mkdtempSync(join(tmpdir(), 'pirqcheck-junit-')), 'junit-matrix.xml');

describe('documentation samples equal what the commands print', () => {
  for (const doc of ['README.md', 'docs/writing-a-fix.md']) {
    const text = readFileSync(join(ROOT, doc), 'utf8');
    // The code walk-through of writing-a-fix.md is written by `npm run docs` (scripts/fix-walkthrough.ts) and
    // kept equal by cli/writing-a-fix.test.ts: its samples are that test's, not this one's.
    const wa = text.indexOf(WALKTHROUGH);
    const wb = wa < 0 ? -1 : text.indexOf('\n## ', wa + WALKTHROUGH.length);
    const inWalkthrough = (x: Sample) => wa >= 0 && x.start > wa && (wb < 0 || x.start < wb);
    const samples = samplesOf(doc, text).filter((x) => !inWalkthrough(x));
    it(`${doc} has samples`, () => expect(samples.length).toBeGreaterThan(0));
    const updates: { s: Sample; out: string }[] = [];
    for (const s of samples) {
      it(`${doc}:${s.line}: $ ${s.command}`, () => {
        // README's my-fix.ts: the file the tour asks the reader to save, written for the run only.
        let wrote = false;
        if (s.command.includes('--variant-file my-fix.ts')) {
          const ts = /```ts\n([\s\S]*?)```/.exec(text)![1]!;
          if (existsSync(MY_FIX)) expect(readFileSync(MY_FIX, 'utf8'), 'my-fix.ts exists with other content; not overwriting it').toBe(ts);
          else {
            writeFileSync(MY_FIX, ts);
            wrote = true;
          }
        }
        try {
          const out = runSample(s.command);
          // Trailing blank lines are not part of a sample.
          const lines = out.replace(/\n+$/, '').split('\n');
          if (UPDATE && !s.expected.some(isElision)) updates.push({ s, out: out.replace(/\n+$/, '\n') });
          else expect(matchSample(s.expected, lines), `${doc}:${s.line} $ ${s.command}`).toBeNull();
        } finally {
          if (wrote) rmSync(MY_FIX);
        }
      });
    }
    if (UPDATE) {
      it(`${doc}: rewrite the samples`, () => {
        let t = readFileSync(join(ROOT, doc), 'utf8');
        for (const { s, out } of [...updates].sort((a, b) => b.s.start - a.s.start)) t = t.slice(0, s.start) + out + t.slice(s.end);
        writeFileSync(join(ROOT, doc), t);
      });
    }
  }

  it('npm start --junit (the matrix above): valid JUnit, one case per configuration and invariant, none differs from expectations.json', async () => {
    const xml = readFileSync(MATRIX_JUNIT, 'utf8');
    expect(await schemaErrors(xml)).toEqual([]);
    expect([...xml.matchAll(/<testcase /g)]).toHaveLength(matrixEntries().length * INVARIANTS.length);
    expect(xml).toContain(`<testsuites name="pirqcheck matrix" tests="${matrixEntries().length * INVARIANTS.length}" failures="0" errors="0">`);
    const suites = [...xml.matchAll(/<testsuite name="([^"]+)"/g)].map((m) => m[1]);
    expect(suites).toEqual([...new Set(matrixEntries().map((e) => e.config.scenario))]);
  });

  it('the matcher is not a formality', () => {
    expect(matchSample(['a', '...', 'd'], ['a', 'b', 'c', 'd'])).toBeNull();
    expect(matchSample(['a', 'b'], ['a', 'c'])).toMatch(/sample line 2/);
    expect(matchSample(['a'], ['a', 'b'])).toMatch(/goes on/);
    expect(matchSample(['a', '[... more ...]'], ['a', 'x', 'y'])).toBeNull();
  });
});
