/** The replay and check --report commands as a user runs them: exit codes, one-line errors, files written. */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const bin = join(root, 'bin', 'pirqcheck.js');

function run(args: string[], cwd = root): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const corpusTrace = readdirSync(join(root, 'counterexamples')).find((f) => f.startsWith('nvme-hvm--fresh-pirq--keep-pirqs--') && f.endsWith('.json'))!;
const tracePath = `counterexamples/${corpusTrace}`;

describe('pirqcheck replay', () => {
  it('exits 1 and names the invariant and step for a corpus trace', () => {
    const r = run(['replay', tracePath]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/violated at step \d+: /);
    expect(r.out).toMatch(/recorded invariant [a-z-]+: violated at step \d+/);
  });

  it('exits 0 with the fixed QEMU swapped in (seed 001 case 4)', () => {
    const r = run(['replay', tracePath, '--qemu', 'unmap-on-disable']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/swapped: qemu keep-pirqs -> unmap-on-disable/);
    expect(r.out).toMatch(/holds: all \d+ steps ran/);
  });

  it('reports steps that are not possible and exits 4 when none violated', () => {
    const r = run(['replay', tracePath, '--scenario', 'nvme-msi-hvm', '--json']);
    const j = JSON.parse(r.out) as { exitCode: number; refused: { n: number; action: string; reason: string }[]; verdict: string };
    expect(j.refused.length).toBeGreaterThan(0);
    expect(j.refused[0]!.n).toBe(1);
    expect(r.code).toBe(j.exitCode);
    expect(j.verdict === 'incomplete' ? 4 : 1).toBe(r.code);
  });

  it('prints JSON with the recorded invariant', () => {
    const r = run(['replay', tracePath, '--json']);
    const j = JSON.parse(r.out) as { verdict: string; recordedInvariant: string; recordedViolatedAt: number | null; stepsRun: number; stepsTotal: number };
    expect(r.code).toBe(1);
    expect(j.verdict).toBe('violated');
    expect(j.recordedViolatedAt).toBe(j.stepsTotal);
    expect(j.stepsRun).toBe(j.stepsTotal);
  });

  it.each([
    ['a missing file', ['replay', 'no/such/file.json'], /cannot read/],
    ['an unknown variant', ['replay', tracePath, '--guest', 'nope'], /unknown guest variant 'nope'/],
  ])('exits 2 with one line for %s', (_n, args, m) => {
    const r = run(args);
    expect(r.code).toBe(2);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(m);
  });

  it('exits 2 with one line for a hostile file', () => {
    const d = mkdtempSync(join(tmpdir(), 'pirqcheck-'));
    const f = join(d, 'bad.json');
    writeFileSync(f, readFileSync(join(root, tracePath), 'utf8').replace('"format"', '"__proto__": {"x": 1}, "format"'));
    const r = run(['replay', f]);
    expect(r.code).toBe(2);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(/forbidden key "__proto__"/);
  });
});

describe('pirqcheck check --report', () => {
  it('writes the trace and report, refuses to overwrite without --force, overwrites with it', () => {
    const d = mkdtempSync(join(tmpdir(), 'pirqcheck-'));
    const args = ['check', '--guest', 'fresh-pirq', '--qemu', 'keep-pirqs', '--report', 'out'];
    const first = run(args, d);
    expect(first.code).toBe(1);
    const files = readdirSync(join(d, 'out')).sort();
    expect(files).toHaveLength(2);
    expect(files[0]).toMatch(/^nvme-hvm--fresh-pirq--keep-pirqs--4\.12--[A-Za-z0-9._-]+\.json$/);
    expect(files[1]).toBe(files[0]!.replace(/\.json$/, '.md'));
    const md = readFileSync(join(d, 'out', files[1]!), 'utf8');
    expect(md).toContain(`pirqcheck replay out/${files[0]}`);
    expect(first.out).toMatch(/never ran \(in \d+ runs before the violation\): /);

    writeFileSync(join(d, 'out', files[1]!), 'edited');
    // An existing report: the counterexample is printed, exit 1 (violated), and one line says what was not written.
    const second = run(args, d);
    expect(second.code).toBe(1);
    expect(second.out).toMatch(/^fails /);
    expect(second.err.trim().split('\n')).toHaveLength(1);
    expect(second.err).toMatch(/not written: .* already exist .*--force overwrites/);
    expect(readFileSync(join(d, 'out', files[1]!), 'utf8')).toBe('edited');

    const third = run([...args, '--force'], d);
    expect(third.code).toBe(1);
    expect(readFileSync(join(d, 'out', files[1]!), 'utf8')).toBe(md);

    const replayed = run(['replay', join('out', files[0]!)], d);
    expect(replayed.code).toBe(1);
  });

  it('writes nothing when every invariant holds', () => {
    const d = mkdtempSync(join(tmpdir(), 'pirqcheck-'));
    const r = run(['check', '--guest', 'fresh-pirq', '--qemu', 'unmap-on-disable', '--runs', '50', '--report', 'out'], d);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/never ran: /);
    expect(existsSync(join(d, 'out'))).toBe(false);
  });

  it('lists never-ran action kinds in --json', () => {
    const r = run(['check', '--guest', 'fresh-pirq', '--qemu', 'unmap-on-disable', '--runs', '50', '--json']);
    const j = JSON.parse(r.out) as { neverRan: string[]; coverage: Record<string, number> };
    expect(j.neverRan).toEqual(Object.entries(j.coverage).filter(([, n]) => n === 0).map(([k]) => k));
  });
});
