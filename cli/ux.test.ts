/**
 * The command line as a new user meets it: progress on a terminal and silence in a pipe, Ctrl-C that stops
 * cleanly with what was found so far, output that fits 80 columns, `pirqcheck` on PATH running every
 * command a report prints, and the edge cases of --report, --workers, --seed, --junit and trace files.
 * A terminal is a real pseudo-terminal (util-linux `script`).
 */
import { spawn, spawnSync } from 'node:child_process';
import { runPirqcheck, type PirqcheckRun } from '../scripts/run-pirqcheck.ts';
import { cpus } from 'node:os';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { INVARIANTS } from '../model/invariants.ts';
import { capWorkers } from './options.ts';
import { fitLines, fitTable, wrap } from './table.ts';

const ROOT = join(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'pirqcheck.js');
const CORPUS = join(ROOT, 'counterexamples');
const REBOOT = 'counterexamples/reboot-hvm--fresh-pirq--unmap-on-disable--4.12--pvops--libxl--clean-handover.json';
// The terminal tests run pirqcheck under util-linux's script(1), which gives it a pseudo-terminal; a machine
// without it (no util-linux) skips them: only the terminal's progress needs it, the piped output is tested below.
const hasScript = spawnSync('script', ['--version']).status === 0;
const FIX_ARGS = ['check', '--variant-file', 'examples/xen-reset-msix-on-assign.ts', '--scenario', 'reboot-hvm', '--dom0', 'pvops', '--guest', 'fresh-pirq', '--qemu', 'unmap-on-disable', '--toolstack', 'libxl'];
/** The piped output of FIX_ARGS, 80 columns and COLUMNS=200, each once (the 80-column test reads them). */
let fixNarrow: string | undefined;
let fixWide: string | undefined;

function run(args: string[], o: { env?: Record<string, string>; cwd?: string } = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: o.cwd ?? ROOT, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', ...o.env } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The same as run, without blocking: the commands of one test that do not depend on each other run at once. */
function runAsync(args: string[], o: { env?: Record<string, string>; cwd?: string } = {}): Promise<PirqcheckRun> {
  return runPirqcheck(args, { cwd: o.cwd ?? ROOT, ...(o.env ? { env: o.env } : {}) });
}

/** Run in a pseudo-terminal; type Ctrl-C `afterMs` after `when` first appears in the output (if given). */
function inTerminal(args: string[], o: { ctrlC?: { when: string | RegExp; afterMs: number }; env?: Record<string, string> } = {}): Promise<{ status: number | null; out: string }> {
  return new Promise((done) => {
    const cmd = [process.execPath, BIN, ...args].map((a) => `'${a}'`).join(' ');
    const p = spawn('script', ['-qefc', cmd, '/dev/null'], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1', COLUMNS: '', ...o.env } });
    let out = '';
    let sent = false;
    let late: NodeJS.Timeout | undefined;
    p.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      if (o.ctrlC && !sent && (typeof o.ctrlC.when === 'string' ? out.includes(o.ctrlC.when) : o.ctrlC.when.test(out))) {
        sent = true;
        setTimeout(() => {
          p.stdin.write('\x03');
          // A command still running 30 s after Ctrl-C did not stop: end it, and fail on what it printed.
          late = setTimeout(() => p.kill('SIGKILL'), 30_000);
        }, o.ctrlC.afterMs);
      }
    });
    p.on('close', (status) => {
      clearTimeout(late);
      done({ status, out });
    });
  });
}

/** Spawn piped; send SIGINT `ms` after `when` first appears on stdout or stderr (the command is under way). */
function interrupted(args: string[], when: RegExp, ms: number): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const p = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    let sent = false;
    const seen = () => {
      if (!sent && when.test(stdout + stderr)) {
        sent = true;
        setTimeout(() => p.kill('SIGINT'), ms);
      }
    };
    p.stdout.setEncoding('utf8').on('data', (d: string) => ((stdout += d), seen()));
    p.stderr.setEncoding('utf8').on('data', (d: string) => ((stderr += d), seen()));
    p.on('close', (status) => done({ status, stdout, stderr }));
  });
}

describe('progress: on a terminal, not in a pipe', () => {
  it.skipIf(!hasScript)('check shows runs on a terminal', async () => {
    const r = await inTerminal(['check', '--scenario', 'nvme-msi-hvm', '--guest', 'fresh-pirq', '--qemu', 'unmap-on-disable']);
    expect(r.status).toBe(0);
    expect(r.out).toMatch(/check \|[█░]+\| \d+\/300 runs \| \d+ s/);
  });
  it('check prints nothing on stderr when piped', () => {
    const r = run(['check', '--scenario', 'nvme-msi-hvm', '--guest', 'fresh-pirq', '--qemu', 'unmap-on-disable']);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
  });
  it.skipIf(!hasScript)('check --variant-file shows configurations; fuzz shows its time box, runs and findings', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pirqcheck-ux-'));
    const [fix, fz] = await Promise.all([inTerminal(FIX_ARGS), inTerminal(['fuzz', '--minutes', '0.05', '--base-seed', '7', '--runs', '10', '--out', dir])]);
    expect(fix.out).toMatch(/checking reset-msix-on-assign \|[█░]+\| \d\/1 configurations/);
    expect(fz.out).toMatch(/fuzz \|[█░]+\| \d+\/3 s, \d+ runs, \d+ searches, \d+ finding\(s\)/);
  });
  it('fuzz and check --variant-file print nothing on stderr when piped', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pirqcheck-ux-'));
    const [fz, r, wide] = await Promise.all([runAsync(['fuzz', '--minutes', '0.02', '--base-seed', '7', '--runs', '10', '--out', dir]), runAsync(FIX_ARGS), runAsync(FIX_ARGS, { env: { COLUMNS: '200' } })]);
    expect(fz.stderr).toBe('');
    // Only the one-line announcement, no progress redraws.
    expect(r.stderr).toBe('checking reset-msix-on-assign in 1 configuration(s), baseline and fix...\n');
    expect(wide.stderr).toBe(r.stderr);
    fixNarrow = r.stdout;
    fixWide = wide.stdout;
  });
});

describe('Ctrl-C stops cleanly and prints what was found so far', () => {
  it.skipIf(!hasScript)('matrix on a terminal: the rows searched so far, exit 130', async () => {
    const r = await inTerminal(['matrix', '--runs', '20'], { ctrlC: { when: /\b1\/\d+ configurations/, afterMs: 200 } });
    expect(r.status).toBe(130);
    expect(r.out).toMatch(/row +scenario +verdict/);
    expect(r.out).toMatch(/seed 001 case 1 \(CORRECT\) +nvme-hvm +holds/);
    expect(r.out).toMatch(/explore: not run \(interrupted\)/);
    expect(r.out).toMatch(/pirqcheck: interrupted: \d+ of \d+ configurations searched, 0 explored/);
  });
  // On a loaded machine the main thread takes Ctrl-C late, behind progress the search worker has already
  // posted; that progress once drew the stopped line again after "interrupted:", and its timer kept the
  // command running to the test's time-out. The SIGINT listener of cli/testdata/stall-on-sigint.mjs holds the
  // main thread 300 ms, so that progress is always queued here.
  it.skipIf(!hasScript)('check on a terminal: how many runs held so far, exit 130; the output is the same as piped otherwise', async () => {
    const stall = { NODE_OPTIONS: `${process.env['NODE_OPTIONS'] ?? ''} --import=${join(ROOT, 'cli', 'testdata', 'stall-on-sigint.mjs')}`.trim() };
    const r = await inTerminal(['check', '--scenario', 'nvme-msi-hvm', '--guest', 'fresh-pirq', '--qemu', 'unmap-on-disable', '--runs', '20000'], { ctrlC: { when: /[1-9]\d*\/20000 runs/, afterMs: 100 }, env: stall });
    expect(r.status).toBe(130);
    expect(r.out).toMatch(/interrupted: \d+ invariant\(s\) held in the [1-9]\d* of 20000 runs done \(seed 1\); no violation found so far/);
    // Nothing after the interrupted line: the progress line is not drawn again.
    expect(r.out.slice(r.out.indexOf('interrupted: ')).replace(/\x1b\[\?7h|\x1b8/g, '')).toMatch(/^interrupted: [^\x1b]*\r?\n$/);
    const args = ['check', '--guest', 'fresh-pirq', '--qemu', 'keep-pirqs', '--invariant', 'enabled-vector-delivers'];
    const [tty, piped] = await Promise.all([inTerminal(args), runAsync(args)]);
    const strip = (s: string) => s.replace(/\r\n/g, '\n').replace(/\x1b[78]|\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/^check \|.*$\n?/gm, '');
    expect(tty.status).toBe(piped.status);
    expect(strip(tty.out)).toContain(piped.stdout.trim().split('\n').slice(-3).join('\n'));
  });
  it('fuzz: the findings so far and the summary with the base seed, exit 130', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pirqcheck-ux-'));
    const r = await interrupted(['fuzz', '--minutes', '2', '--base-seed', '11', '--runs', '20', '--include-known', '--out', dir], /rerun this shard/, 2500);
    expect(r.status).toBe(130);
    expect(r.stdout).toMatch(/fuzz: interrupted after \d+ s of 120 s/);
    expect(r.stdout).toMatch(/fuzz: \d+ searches, \d+ violation\(s\); base seed 11/);
    // Every finding announced was written.
    const written = readdirSync(dir).filter((f) => f.endsWith('.json')).length;
    expect((r.stdout.match(/^violation /gm) ?? []).length).toBe(written);
  });
  it('check --variant-file: the configurations compared so far, the corpus replay skipped, exit 130', async () => {
    const r = await interrupted(['check', '--variant-file', 'examples/fresh-pirq-fix.ts'], /checking always-allocate in \d+ configuration/, 2500);
    expect(r.status).toBe(130);
    expect(r.stderr).toMatch(/pirqcheck: interrupted: \d+ of \d+ configurations compared \(shown\); the corpus replay was not run\n$/);
    expect(r.stdout).toMatch(/^fix always-allocate /);
    expect(r.stdout).not.toMatch(/known bugs:/);
  });
});

describe('output fits 80 columns, wider when the terminal is', () => {
  it('the matrix (README sample, which cli/samples.slow.test.ts holds equal to the output) fits 80 columns', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const sample = /```\n\$ npm start\n([\s\S]*?)```/.exec(readme)![1]!.split('\n');
    expect(sample.length).toBeGreaterThan(40);
    // A command stays on one line, to be copied as it is.
    for (const l of sample) if (!/^ {2}pirqcheck /.test(l)) expect(l.length, l).toBeLessThanOrEqual(80);
  });
  it('check --variant-file: the table fits 80 columns (the configuration as a heading); with COLUMNS=200 one row per line', () => {
    const args = FIX_ARGS;
    const narrow = (fixNarrow ?? run(args).stdout).split('\n');
    for (const l of narrow) if (!/pirqcheck (check|replay) /.test(l)) expect(l.length, l).toBeLessThanOrEqual(80);
    expect(narrow).toContain('  guest fresh-pirq, qemu unmap-on-disable, dom0 pvops, toolstack libxl');
    expect(narrow.some((l) => /^ {4}maskall-clear-after-assign +hazard +violated +holds +FIXES$/.test(l))).toBe(true);
    const wide = (fixWide ?? run(args, { env: { COLUMNS: '200' } }).stdout).split('\n');
    expect(wide.some((l) => /^ {2}fresh-pirq +unmap-on-disable +pvops +libxl +maskall-clear-after-assign +hazard +violated +holds +FIXES$/.test(l))).toBe(true);
  });
  it('wraps between list items and words, never inside a word; commands stay whole', () => {
    const w = wrap('alpha-one (1), beta-two (2), gamma-three (3)', 34, '  x: ', '     ');
    expect(w).toEqual(['  x: alpha-one (1), beta-two (2),', '     gamma-three (3)']);
    for (const l of w) expect(l.length).toBeLessThanOrEqual(34);
    expect(wrap('one two three four', 9, '', '', 'words')).toEqual(['one two', 'three', 'four']);
    const cmd = '  counterexample: pirqcheck check --scenario reboot-hvm --guest fresh-pirq --qemu unmap-on-disable --seed 1';
    expect(fitLines([cmd], 80)).toEqual([cmd]);
    const t = fitTable(['guest', 'invariant', 'fix (a-long-fix-name)'], [['g1', 'inv-a', 'holds'], ['g1', 'inv-b', 'violated'], ['g2', 'inv-a', 'holds']], 24, { group: 1 });
    expect(t.lines).toEqual(['guest g1', '  (fix: a-long-fix-name)', '  invariant  fix', '  ---------  --------', '  inv-a      holds', '  inv-b      violated', 'guest g2', '  inv-a      holds']);
    expect(t.rowLine).toEqual([4, 5, 7]);
  });
});

describe('explore --json', () => {
  it('puts the counterexample at counterexample.steps, as check --json does, keeping the old steps field', async () => {
    const args = ['--scenario', 'reboot-hvm', '--dom0', 'pvops', '--invariant', 'clean-handover', '--json'];
    const [xr, cr] = await Promise.all([runAsync(['explore', ...args, '--depth', '10']), runAsync(['check', ...args])]);
    const x = JSON.parse(xr.stdout) as { counterexample: { steps: Record<string, unknown>[] }; steps: unknown[] };
    const c = JSON.parse(cr.stdout) as { counterexample: { steps: Record<string, unknown>[] } };
    expect(Object.keys(x.counterexample.steps[0]!)).toEqual(Object.keys(c.counterexample.steps[0]!));
    expect(x.counterexample.steps.map((s) => s['action'])).toEqual(c.counterexample.steps.map((s) => s['action']));
    expect(x.steps).toHaveLength(x.counterexample.steps.length);
    expect(readFileSync(join(ROOT, 'docs', 'reading-a-report.md'), 'utf8')).toMatch(/top-level\s+`steps` field .* removed in the next/s);
  });
});

describe('files: --report, --junit, traces', () => {
  const bug = ['check', '--scenario', 'reboot-hvm', '--dom0', 'pvops', '--invariant', 'clean-handover'];
  it('--report into an existing report prints the counterexample and exits 1, with one line saying what was not written', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pirqcheck-ux-'));
    expect(run([...bug, '--report', dir]).status).toBe(0); // a hazard, written
    const md = readdirSync(dir).find((f) => f.endsWith('.md'))!;
    writeFileSync(join(dir, md), 'my notes\n');
    const r = run([...bug, '--report', dir]);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/^hazard {2}scenario=reboot-hvm/);
    expect(r.stdout).toMatch(/evidence 03:00\.0 was reset/);
    expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    expect(r.stderr).toMatch(/^pirqcheck: not written: .*\.json and .*\.md already exist/);
    expect(readFileSync(join(dir, md), 'utf8')).toBe('my notes\n');
  });
  it('--report on /proc is refused at once, not a hang', () => {
    const t0 = Date.now();
    const r = run([...bug, '--report', '/proc/x']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--report .* is on proc/);
    expect(Date.now() - t0).toBeLessThan(60_000);
  });
  it('--junit refuses a file that is not a JUnit report, and keeps it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pirqcheck-ux-'));
    const f = join(dir, 'notes.xml');
    writeFileSync(f, '<notes/>\n');
    const r = run([...bug, '--junit', f]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/exists and is not a JUnit report; not overwriting it/);
    expect(readFileSync(f, 'utf8')).toBe('<notes/>\n');
  });
  it('check --junit writes one case per invariant, classname the scenario', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pirqcheck-ux-'));
    // What the search finds there is a hazard: exit 1 with --fail-on hazard.
    const r = run(['check', '--scenario', 'reboot-hvm', '--dom0', 'pvops', '--fail-on', 'hazard', '--junit', join(dir, 'j.xml')]);
    expect(r.status).toBe(1);
    const xml = readFileSync(join(dir, 'j.xml'), 'utf8');
    expect([...xml.matchAll(/<testcase classname="reboot-hvm"/g)]).toHaveLength(INVARIANTS.length);
    expect(xml).toContain('failures="0"');
  });
  it('a trace file with a UTF-8 byte order mark is read', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pirqcheck-ux-'));
    const f = join(dir, 'bom.json');
    writeFileSync(f, '\ufeff' + readFileSync(join(ROOT, REBOOT), 'utf8'));
    const r = run(['replay', f]);
    expect(r.status, r.stderr).toBe(1);
    expect(r.stdout).toMatch(/recorded invariant clean-handover: violated at step 5/);
  });
  it('export-itf refuses a trace whose steps cannot run (exit 2, nothing on stdout)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pirqcheck-ux-'));
    const t = JSON.parse(readFileSync(join(ROOT, REBOOT), 'utf8')) as { actions: unknown[] };
    t.actions.splice(1, 0, { kind: 'toolstack.libxl__destroy_domid', domid: 7, dev: 0 });
    writeFileSync(join(dir, 't.json'), JSON.stringify(t));
    const r = run(['export-itf', join(dir, 't.json')]);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/step 2 .*not possible in the model/);
  });
});

describe('--workers and --seed limits', () => {
  it('--workers above the CPU count warns and is capped', () => {
    const n = cpus().length;
    const r = run(['explore', '--scenario', 'reboot-hvm', '--dom0', 'pvops', '--depth', '2', '--workers', '999', '--json']);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(new RegExp(`warning: --workers 999 is more than the \\d+ CPU\\(s\\) here; using \\d+`));
    const used = (JSON.parse(r.stdout) as { stats: { workers: number } }).stats.workers;
    expect(used).toBeLessThanOrEqual(Math.max(n, 1));
    expect(capWorkers(3, 8)).toBe(3);
    expect(capWorkers(undefined, 8)).toBe(8);
  });
  it('--seed above 2^32-1 is refused, 2^32-1 is accepted', async () => {
    const [big, max, matrix, fuzz] = await Promise.all([
      runAsync(['check', '--seed', String(2 ** 32), '--runs', '1']),
      runAsync(['check', '--seed', String(2 ** 32 - 1), '--runs', '1']),
      runAsync(['matrix', '--seed', '99999999999']),
      runAsync(['fuzz', '--minutes', '1', '--base-seed', '99999999999']),
    ]);
    expect(big.status).toBe(2);
    expect(big.stderr).toMatch(/--seed must be at most 4294967295/);
    expect(max.status).not.toBe(2);
    expect(matrix.status).toBe(2);
    expect(fuzz.status).toBe(2);
  });
});

describe('pirqcheck as a command', () => {
  const prefix = mkdtempSync(join(tmpdir(), 'pirqcheck-prefix-'));
  const install = spawnSync('npm', ['install', '-g', '.', '--prefix', prefix, '--offline', '--no-audit', '--no-fund'], { cwd: ROOT, encoding: 'utf8' });
  const env = { PATH: `${join(prefix, 'bin')}:${process.env['PATH']}`, NO_COLOR: '1' };
  const sh = (cmd: string) => spawnSync('bash', ['-c', cmd], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...env } });

  it('npm install -g . (README) puts pirqcheck on PATH', () => {
    expect(install.status, install.stderr).toBe(0);
    const r = sh('pirqcheck --version');
    expect(r.stdout.trim()).toBe((JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version);
    expect(readFileSync(join(ROOT, 'README.md'), 'utf8')).toMatch(/npm install -g \.[\s\S]*npm link[\s\S]*npx/);
  });

  it('every command a corpus report prints runs as printed (exit 0, 1 or 4; never a usage error)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pirqcheck-ux-'));
    const md = readFileSync(join(CORPUS, REBOOT.replace('counterexamples/', '').replace(/\.json$/, '.md')), 'utf8');
    const cmds = [...new Set([...md.matchAll(/^(pirqcheck .*)$/gm), ...md.matchAll(/`(pirqcheck [^`]+)`/g)].map((m) => m[1]!))];
    expect(cmds.length).toBeGreaterThanOrEqual(4);
    expect(cmds.some((c) => c.startsWith('pirqcheck repro '))).toBe(true);
    for (const c of cmds) {
      const r = sh(c.replace(/> repro\.sh$/, `> ${join(dir, 'repro.sh')}`));
      expect([0, 1, 4], `${c}: ${r.stderr}`).toContain(r.status);
      expect(r.stderr, c).not.toMatch(/unknown|error:/);
    }
    expect(existsSync(join(dir, 'repro.sh'))).toBe(true);
  });

  it("the matrix's details command (README sample) runs as printed", () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const cmd = /```\n\$ npm start\n[\s\S]*?^ {2}(pirqcheck check .*)$/m.exec(readme)![1]!;
    const r = sh(cmd);
    expect(r.status, r.stderr).toBe(1);
    expect(r.stdout).toMatch(/\[enabled-vector-delivers\]/);
  });
});
