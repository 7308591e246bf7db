/**
 * The command line as a user meets it: `node bin/pirqcheck.js ...` in a child process. Every malformed
 * input ends in exit status 2 with exactly one line on stderr naming the problem, and no stack trace.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, chmodSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const BIN = join(import.meta.dirname, '..', 'bin', 'pirqcheck.js');
const DATA = join(import.meta.dirname, 'testdata');

function run(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function expectUsageError(args: string[], mentions: RegExp) {
  const r = run(...args);
  const lines = r.stderr.split('\n').filter((l) => l.length > 0);
  expect(r.status, `${args.join(' ')}: ${r.stderr}`).toBe(2);
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(mentions);
  expect(r.stderr).not.toMatch(/^\s+at /m);
}

describe('malformed input: one line, exit 2', () => {
  const cases: [string, string[], RegExp][] = [
    ['unknown guest variant', ['check', '--guest', 'nope'], /unknown guest variant 'nope'.*valid: /],
    ['unknown scenario', ['check', '--scenario', 'nope'], /unknown scenario 'nope'/],
    ['unknown invariant', ['check', '--invariant', 'nope'], /unknown invariant 'nope'/],
    ['unknown option', ['check', '--gust', 'x'], /unknown option '--gust'/],
    ['unknown command', ['nope'], /unknown command 'nope'/],
    ['bad number', ['check', '--runs', 'ten'], /--runs must be a whole number, got 'ten'/],
    ['zero runs', ['matrix', '--runs', '0'], /--runs must be a whole number >= 1/],
    ['negative seed', ['check', '--seed', '-3'], /--seed/],
    ['bad shard', ['fuzz', '--minutes', '1', '--shard', '3/2'], /--shard must be I\/N with 1 <= I <= N, got '3\/2'/],
    ['shard zero', ['fuzz', '--minutes', '1', '--shard', '0/2'], /--shard/],
    ['shard garbage', ['fuzz', '--minutes', '1', '--shard', 'two'], /--shard/],
    ['zero minutes', ['fuzz', '--minutes', '0'], /--minutes must be a positive number/],
    ['word minutes', ['fuzz', '--minutes', 'ten'], /--minutes must be a positive number/],
    ['missing minutes', ['fuzz'], /--minutes/],
    ['unknown component', ['variants', '--component', 'firmware'], /unknown component 'firmware'/],
    ['missing variant file', ['check', '--variant-file', join(DATA, 'absent.ts')], /cannot read variant file .*absent\.ts.*no such file/],
    ['variant file that throws', ['check', '--variant-file', join(DATA, 'throws.ts')], /throws\.ts' failed to load: Error: boom while loading/],
    ['variant file with a syntax error', ['check', '--variant-file', join(DATA, 'syntax.ts')], /syntax\.ts' failed to load/],
    ['variant file without a variant export', ['check', '--variant-file', join(DATA, 'wrong-shape.ts')], /wrong-shape\.ts' exports no variant/],
    ['variant file exporting a string', ['check', '--variant-file', join(DATA, 'not-object.ts')], /must be an object.*got string/],
    ['unknown flag', ['check', '--variant-file', join(DATA, 'unknown-flag.ts')], /unknown flag 'guestReuuse' \(valid: .*guestReuse/],
    ['bad flag value', ['check', '--variant-file', join(DATA, 'bad-value.ts')], /flag 'guestReuse' must be one of 'never'/],
    ['unknown component in a variant file', ['matrix', '--variant-file', join(DATA, 'bad-component.ts')], /unknown component "firmware"/],
    ['duplicate id', ['check', '--variant-file', join(DATA, 'duplicate-id.ts')], /guest variant 'fresh-pirq' already exists/],
    ['flag of another component', ['check', '--variant-file', join(DATA, 'wrong-component-flag.ts')], /flag 'qemuUnmapOnDisable' is read by the qemu component, not guest/],
    ['a directory as variant file', ['check', '--variant-file', DATA], /variant file/],
  ];
  for (const [name, args, re] of cases) {
    it(name, () => expectUsageError(args, re));
  }

  it('an unreadable variant file', () => {
    if (process.getuid?.() === 0) return; // root reads everything
    const dir = mkdtempSync(join(tmpdir(), 'pirqcheck-'));
    const f = join(dir, 'locked.ts');
    writeFileSync(f, 'export default {};\n');
    chmodSync(f, 0o000);
    expectUsageError(['check', '--variant-file', f], /cannot read variant file .*permission denied/);
  });

  it('--debug adds the stack trace', () => {
    const r = run('--debug', 'check', '--variant-file', join(DATA, 'throws.ts'));
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^\s+at /m);
  });
});

describe('discoverability', () => {
  it('--help lists the commands and exits 0', () => {
    const r = run('--help');
    expect(r.status).toBe(0);
    for (const c of ['matrix', 'check', 'fuzz', 'variants', 'invariants', 'scenarios']) expect(r.stdout).toContain(c);
  });
  it('--version prints the package version', () => {
    const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'package.json'), 'utf8')) as { version: string };
    expect(run('--version').stdout.trim()).toBe(pkg.version);
  });
  it('variants --json lists every built-in variant with upstream and versions', async () => {
    const { VARIANTS } = await import('../model/variants.ts');
    const rows = JSON.parse(run('variants', '--json').stdout) as { id: string; upstream: string; versions: string }[];
    expect(rows.map((r) => r.id)).toEqual(VARIANTS.map((v) => v.id));
    for (const r of rows) expect(r.upstream.length * r.versions.length).toBeGreaterThan(0);
  });
  it('invariants --json lists every invariant', async () => {
    const { INVARIANTS } = await import('../model/invariants.ts');
    const rows = JSON.parse(run('invariants', '--json').stdout) as { name: string; doc: string }[];
    expect(rows.map((r) => r.name)).toEqual(INVARIANTS.map((i) => i.name));
  });
  it('scenarios --json lists every scenario', async () => {
    const { SCENARIOS } = await import('../model/scenarios.ts');
    expect((JSON.parse(run('scenarios', '--json').stdout) as { id: string }[]).map((s) => s.id)).toEqual(SCENARIOS.map((s) => s.id));
  });
});

describe('variant files', () => {
  it('a JavaScript variant file is registered and selectable by id', () => {
    const r = run('variants', '--component', 'qemu', '--json', '--variant-file', join(DATA, 'good.js'));
    expect(r.status).toBe(0);
    const v = (JSON.parse(r.stdout) as { id: string; flags: Record<string, unknown> }[]).find((x) => x.id === 'x-good-js');
    // base keep-pirqs's flags are inherited, the file's own flag wins.
    expect(v?.flags).toEqual({ qemuUnmapOnDisable: true, qemuRewriteIfUnassigned: false });
  });
  it('check --variant-file compares the example fix with its base and leaves the file untouched', () => {
    const file = join(import.meta.dirname, '..', 'examples', 'fresh-pirq-fix.ts');
    const before = readFileSync(file, 'utf8');
    const r = run('check', '--variant-file', file, '--scenario', 'nvme-hvm', '--json');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as { rows: { config: { qemu: string }; invariant: string; change: string }[]; summary: { fixes: number; breaks: number } };
    // c74fd80f on a 2.6.39-4.10 kernel fixes the duplicate pirq under a QEMU that unmaps on disable (seed 000).
    expect(out.rows.find((x) => x.config.qemu === 'unmap-on-disable' && x.invariant === 'pirq-single-owner')?.change).toBe('FIXES');
    expect(out.summary.breaks).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe(before);
  });
  it('check --variant-file with the fix selected by id searches that one configuration', () => {
    const r = run('check', '--variant-file', join(import.meta.dirname, '..', 'examples', 'fresh-pirq-fix.ts'), '--guest', 'always-allocate', '--qemu', 'keep-pirqs', '--runs', '100');
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/violated\s+scenario=nvme-hvm guest=always-allocate qemu=keep-pirqs/);
  });
});

describe('fuzz', () => {
  it('writes findings into a fresh --out directory and never overwrites an existing file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pirqcheck-fuzz-'));
    const mine = join(dir, 'notes.txt');
    writeFileSync(mine, 'keep me\n');
    const r = run('fuzz', '--minutes', '0.02', '--shard', '2/3', '--base-seed', '5', '--runs', '20', '--out', dir);
    expect([0, 1]).toContain(r.status);
    expect(r.stdout).toMatch(/base seed 5, shard 2\/3/);
    expect(readFileSync(mine, 'utf8')).toBe('keep me\n');
    const found = readdirSync(dir).filter((f) => f.endsWith('.json'));
    expect(found.length > 0).toBe(r.status === 1);
    for (const f of found) expect((JSON.parse(readFileSync(join(dir, f), 'utf8')) as { reproduce: string }).reproduce).toMatch(/^pirqcheck check .* --seed \d+/);
  });
  it('an --out that is a file is a usage error', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pirqcheck-fuzz-'));
    const f = join(dir, 'file');
    writeFileSync(f, 'x');
    expectUsageError(['fuzz', '--minutes', '1', '--out', f], /--out .* is not a directory/);
    expect(existsSync(f) && readFileSync(f, 'utf8') === 'x').toBe(true);
  });
});
