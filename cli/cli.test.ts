/**
 * The command line as a user meets it: `node bin/pirqcheck.js ...` in a child process. Every malformed
 * input ends in exit status 2 with exactly one line on stderr naming the problem, and no stack trace.
 */
import { spawnSync } from 'node:child_process';
import { runPirqcheck, type PirqcheckRun } from '../scripts/run-pirqcheck.ts';
import { mkdtempSync, readFileSync, writeFileSync, chmodSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const BIN = join(import.meta.dirname, '..', 'bin', 'pirqcheck.js');
const DATA = join(import.meta.dirname, 'testdata');

const ROOT = join(import.meta.dirname, '..');
const EXAMPLES = join(ROOT, 'examples');

function runIn(cwd: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', COLUMNS: '1000' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function run(...args: string[]) {
  return runIn(ROOT, ...args);
}

interface CorpusBug {
  trace: string;
  config: Record<string, string>;
  invariant: string;
  outcome: 'fixed' | 'still violated' | 'cannot run';
  kind: 'failure' | 'hazard';
  remains: { invariant: string; kind: string; n: number }[];
  refused: unknown[];
}
interface FixJson {
  rows: { config: Record<string, string>; invariant: string; change: string }[];
  summary: { fixes: number; breaks: number };
  corpus: { dir: string; traces: number; otherBase: number; componentUnused: number; flagsUnread: number; summary: { fixed: number; stillViolated: number; cannotRun: number }; bugs: CorpusBug[] };
}

/**
 * The same as run, without blocking: the one-line-error cases run concurrently (each is one short process),
 * and so do the commands of one test that do not depend on each other.
 */
function runAsync(...args: string[]): Promise<PirqcheckRun> {
  return runPirqcheck(args, { cwd: ROOT });
}

function checkUsageError(r: { status: number | null; stderr: string }, args: string[], mentions: RegExp) {
  const lines = r.stderr.split('\n').filter((l) => l.length > 0);
  expect(r.status, `${args.join(' ')}: ${r.stderr}`).toBe(2);
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(mentions);
  expect(r.stderr).not.toMatch(/^\s+at /m);
}

function expectUsageError(args: string[], mentions: RegExp) {
  checkUsageError(run(...args), args, mentions);
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
    ['variant file that throws', ['check', '--variant-file', join(DATA, 'throws.ts')], /throws\.ts':1:7 threw while loading: Error: boom while loading/],
    ['variant file with a syntax error', ['check', '--variant-file', join(DATA, 'syntax.ts')], /syntax\.ts:1:53: syntax error: /],
    ['variant file without a variant export', ['check', '--variant-file', join(DATA, 'wrong-shape.ts')], /wrong-shape\.ts' exports no variant/],
    ['variant file exporting a string', ['check', '--variant-file', join(DATA, 'not-object.ts')], /must be an object.*got string/],
    ['unknown flag', ['check', '--variant-file', join(DATA, 'unknown-flag.ts')], /unknown flag 'guestReuuse' \(valid: .*guestReuse/],
    ['bad flag value', ['check', '--variant-file', join(DATA, 'bad-value.ts')], /flag 'guestReuse' must be one of 'never'/],
    ['unknown component in a variant file', ['matrix', '--variant-file', join(DATA, 'bad-component.ts')], /unknown component "firmware"/],
    ['duplicate id', ['check', '--variant-file', join(DATA, 'duplicate-id.ts')], /guest variant 'fresh-pirq' already exists/],
    ['flag of another component', ['check', '--variant-file', join(DATA, 'wrong-component-flag.ts')], /flag 'qemuUnmapOnDisable' is read by the qemu component, not guest/],
    ['a directory as variant file', ['check', '--variant-file', DATA], /variant file/],
    ['two variant files with one id', ['check', '--variant-file', join(DATA, 'good.js'), '--variant-file', join(DATA, 'good.js')], /qemu variant 'x-good-js' already exists/],
    ['a variant file that throws, in replay', ['replay', join(DATA, 'truncated-trace.json'), '--variant-file', join(DATA, 'throws.ts')], /throws\.ts':1:7 threw while loading/],
    ['a truncated trace file', ['replay', join(DATA, 'truncated-trace.json')], /truncated-trace\.json: not JSON/],
    ['a trace of another format version', ['replay', join(DATA, 'wrong-version-trace.json')], /wrong-version-trace\.json: .*version/],
    ['a directory as trace file', ['replay', DATA], /not a regular file/],
    ['a truncated trace to export', ['export-itf', join(DATA, 'truncated-trace.json')], /not JSON/],
    ['replay without a file', ['replay'], /missing required argument 'file'/],
    ['fractional seed', ['matrix', '--seed', '1.5'], /--seed must be a whole number, got '1\.5'/],
    ['bad --fail-on', ['check', '--fail-on', 'bogus'], /--fail-on must be 'failure' or 'hazard', got 'bogus'/],
    ['zero max-steps', ['check', '--max-steps', '0'], /--max-steps must be a whole number >= 1/],
    ['bad base seed', ['fuzz', '--minutes', '1', '--base-seed', 'abc'], /--base-seed must be a whole number/],
    ['--corpus without a variant file', ['check', '--corpus', DATA], /--corpus only applies with --variant-file/],
    ['--corpus that is not a directory', ['check', '--variant-file', join(DATA, 'good.js'), '--corpus', join(DATA, 'absent')], /--corpus .*absent' is not a directory/],
    ['unknown variant in explore', ['explore', '--guest', 'nope'], /unknown guest variant 'nope'/],
    ['bad depth in explore', ['explore', '--depth', 'x'], /--depth must be a whole number/],
  ];
  for (const [name, args, re] of cases) {
    it.concurrent(name, async () => checkUsageError(await runAsync(...args), args, re));
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
  it('check --variant-file compares the example fix with its base and replays the corpus, from any directory', async () => {
    const file = join(EXAMPLES, 'fresh-pirq-fix.ts');
    const before = readFileSync(file, 'utf8');
    // One configuration (QEMU pinned): the corpus replay does not depend on the pinned options. The same
    // comparison over every nvme-hvm configuration on Xen 4.12 is cli/fix-report.slow.test.ts.
    const r = runIn(tmpdir(), 'check', '--variant-file', file, '--scenario', 'nvme-hvm', '--xen', '4.12', '--qemu', 'unmap-on-disable', '--json');
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as FixJson;
    expect(out.rows.length).toBeGreaterThan(0);
    expect(out.rows.every((x) => x.config['qemu'] === 'unmap-on-disable')).toBe(true);
    // c74fd80f on a 2.6.39-4.10 kernel fixes the duplicate pirq under a QEMU that unmaps on disable (seed 000).
    expect(out.rows.find((x) => x.config['qemu'] === 'unmap-on-disable' && x.invariant === 'pirq-single-owner')?.change).toBe('FIXES');
    expect(out.summary.breaks).toBe(0);
    // Every corpus trace of the base (guest reuse-pirq-live), found from the package, not the working directory.
    const exp = JSON.parse(readFileSync(join(ROOT, 'counterexamples', 'expectations.json'), 'utf8')) as { configurations: { config: Record<string, string>; traces: Record<string, string> }[] };
    const { findScenario } = await import('../model/scenarios.ts');
    const ofBase = exp.configurations
      .filter((c) => c.config['guest'] === 'reuse-pirq-live' && findScenario(c.config['scenario']!)!.components.includes('guest'))
      .flatMap((c) => Object.values(c.traces));
    // Those whose replay never reads guestReuse are left out (the fix cannot change them).
    for (const b of out.corpus.bugs) expect(ofBase).toContain(b.trace);
    expect(out.corpus.bugs.length + out.corpus.flagsUnread).toBe(ofBase.length);
    expect(out.corpus.bugs.length + out.corpus.otherBase + out.corpus.componentUnused + out.corpus.flagsUnread).toBe(out.corpus.traces);
    const bug = (qemu: string, inv: string) => out.corpus.bugs.find((b) => b.config['scenario'] === 'nvme-hvm' && b.config['qemu'] === qemu && b.invariant === inv);
    // Seed 000's duplicate pirq replays clean with the fix; seed 001's lost interrupt under keep-pirqs does not.
    expect(bug('unmap-on-disable', 'pirq-single-owner')?.outcome).toBe('fixed');
    expect(bug('keep-pirqs', 'enabled-vector-delivers')?.outcome).toBe('still violated');
    expect(readFileSync(file, 'utf8')).toBe(before);
  });
  it('the lifecycle example 575e18d54d fixes the carried-over MASKALL of seed 003/004, also in a corpus of its own', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pirqcheck-corpus-'));
    const bugArgs = ['--scenario', 'reboot-hvm', '--dom0', 'pvops', '--xen', '4.12', '--invariant', 'maskall-clear-after-assign'];
    // A hazard: exit 0 unless --fail-on hazard.
    const [written, strict] = await Promise.all([runAsync('check', ...bugArgs, '--report', dir), runAsync('check', ...bugArgs, '--fail-on', 'hazard')]);
    expect(written.status).toBe(0);
    expect(strict.status).toBe(1);
    const pin = ['--scenario', 'reboot-hvm', '--dom0', 'pvops', '--guest', 'fresh-pirq', '--qemu', 'unmap-on-disable', '--toolstack', 'libxl'];
    const r = run('check', '--variant-file', join(EXAMPLES, 'xen-reset-msix-on-assign.ts'), ...pin, '--corpus', dir, '--json');
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as FixJson;
    for (const inv of ['maskall-clear-after-assign', 'no-carried-over-mask']) expect(out.rows.find((x) => x.invariant === inv)?.change).toBe('FIXES');
    expect(out.summary.breaks).toBe(0);
    expect(out.corpus.bugs).toHaveLength(1);
    // The recorded MASKALL bug is gone, so it counts as fixed; on the same steps other invariants (masking
    // without decoding, the reset while Xen still maps the old owner's pirq) still fail, listed as hazards
    // that remain: 575e18d54d does not address them.
    expect(out.corpus.bugs[0]!).toMatchObject({ invariant: 'maskall-clear-after-assign', outcome: 'fixed' });
    expect(out.corpus.bugs[0]!.remains.map((x) => `${x.invariant}:${x.kind}`)).toEqual(['no-mask-without-decoding:hazard', 'clean-handover:hazard']);
    // The same trace with the fix selected in replay.
    const trace = readdirSync(dir).find((f) => f.endsWith('.json'))!;
    const rep = run('replay', join(dir, trace), '--variant-file', join(EXAMPLES, 'xen-reset-msix-on-assign.ts'), '--xen', 'reset-msix-on-assign');
    expect(rep.stdout).toMatch(/swapped: xen 4\.12 -> reset-msix-on-assign/);
    expect(rep.stdout).toMatch(/recorded invariant maskall-clear-after-assign: held at every step/);
    expect(rep.status).toBe(1);
  });
  it('the fix report opens with three summary lines: 575e18d54d removes the MASKALL failure of seeds 003/004 and fixes that recorded bug', () => {
    const r = run('check', '--variant-file', join(EXAMPLES, 'xen-reset-msix-on-assign.ts'), '--scenario', 'reboot-hvm');
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.split('\n');
    const at = lines.indexOf('summary for reset-msix-on-assign:');
    expect(at).toBeGreaterThan(0);
    const [removed, introduced, hazards] = lines.slice(at + 1, at + 4);
    expect(removed).toMatch(/^  failures removed: enabled-vector-delivers in reboot-hvm \(seeds 003\/004: pvops dom0, Xen 4\.12\): ".*MSI-X MASKALL is set in hardware/);
    // The carried-over mask is recorded in seeds 003/004's row and in the 2.6.18 dom0's HVM row, both on Xen 4.12.
    expect(removed).toMatch(/known bugs fixed: [1-9]\d* of \d+ \(.*hazards: maskall-clear-after-assign in [^;]*reboot-hvm \((seeds 003\/004: pvops dom0, Xen 4\.12|2 configurations)\)/);
    expect(introduced).toBe('  failures introduced: none');
    expect(hazards).toMatch(/^  hazards: removed maskall-clear-after-assign in reboot-hvm/);
    // The configurations the fix cannot affect (its flag is never read there) are not listed.
    expect(r.stdout).not.toMatch(/^scenario nvme-hvm/m);
  });
  it('every BREAKS row comes with a command, and that command prints that counterexample', async () => {
    const pin = ['--scenario', 'reboot-hvm', '--dom0', 'pvops', '--xen', '4.12', '--guest', 'fresh-pirq', '--qemu', 'unmap-on-disable'];
    const [r, failOnHazard] = await Promise.all([runAsync('check', '--variant-file', join(DATA, 'unbind-fix.ts'), ...pin, '--json'), runAsync('check', '--variant-file', join(DATA, 'unbind-fix.ts'), ...pin, '--fail-on', 'hazard')]);
    expect(r.status, r.stderr).toBe(0); // it breaks a hazard only
    const rows = (JSON.parse(r.stdout) as { rows: { invariant: string; change: string; kind: string; command?: string; steps?: number }[] }).rows.filter((x) => x.change === 'BREAKS');
    expect(rows.map((x) => `${x.invariant}:${x.kind}`)).toEqual(['free-pirq-has-no-evtchn:hazard']);
    for (const row of rows) {
      const args = row.command!.split(' ').slice(1).map((a) => (a === 'cli/testdata/unbind-fix.ts' || a.endsWith('unbind-fix.ts') ? join(DATA, 'unbind-fix.ts') : a));
      const c = run(...args, '--json');
      const j = JSON.parse(c.stdout) as { outcome: string; violation: { invariant: string }; counterexample: { steps: unknown[] } };
      expect(j.violation.invariant).toBe(row.invariant);
      expect(j.counterexample.steps).toHaveLength(row.steps!);
      expect(j.outcome).toBe('hazard');
    }
    expect(failOnHazard.status).toBe(1);
  });
  it('a dom0 fix (seed 002 prune) reports what it fixes and what it breaks, exit 1', () => {
    const r = run('check', '--variant-file', join(EXAMPLES, 'pciback-prune-on-reset.ts'), '--scenario', 'igbvf-pv', '--xen', 'xen-3.4', '--toolstack', 'libxl');
    expect(r.stdout).toMatch(/baseline: dom0 xen-2\.6\.18; changes pcibackPruneOnReset: \(default\) -> true/);
    expect(r.stdout).toMatch(/dom0-no-stale-msix-entries\s+hazard\s+violated\s+holds\s+FIXES/);
    expect(r.stdout).toMatch(/known bugs: /);
    // Exit 1 exactly when the fix introduces a failure.
    expect(r.status).toBe(/failures introduced: none/.test(r.stdout) ? 0 : 1);
  });
  it('matrix --variant-file adds a row with the fix for every matrix configuration of its base', () => {
    // A small explore budget: this test is about the rows, not about their graphs.
    const r = run('matrix', '--runs', '5', '--json', '--explore-max-states', '2000', '--variant-file', join(EXAMPLES, 'fresh-pirq-fix.ts'));
    expect(r.status, r.stderr).toBe(0);
    const rows = (JSON.parse(r.stdout) as { rows: { config: Record<string, string> }[] }).rows.map((x) => x.config);
    const ofBase = rows.filter((c) => c['guest'] === 'reuse-pirq-live');
    const withFix = rows.filter((c) => c['guest'] === 'always-allocate');
    expect(ofBase.length).toBeGreaterThan(0);
    expect(withFix).toEqual(ofBase.map((c) => ({ ...c, guest: 'always-allocate' })));
    // Every row has its verdict in the seeds' words beside the old fields.
    const full = (JSON.parse(r.stdout) as { rows: { label: string; verdict: string; outcome: string; proved: boolean; failures: { invariant: string }[] }[] }).rows;
    for (const x of full) {
      expect(['fails', 'hazard', 'holds']).toContain(x.outcome);
      expect(x.verdict).toBe(x.outcome === 'holds' ? 'holds' : 'violated');
    }
    // The newest stack reboots with hazards only, over the complete graph; handing the device on while the old
    // domain runs fails (exploration reaches the masked vector within the budget, whatever the search's runs).
    expect(full.find((x) => x.label === 'Xen 4.13 (pciback 7681f31e, Linux 5.1)')).toMatchObject({ outcome: 'hazard', proved: true });
    const handover = full.find((x) => x.label === 'Xen 4.13: new owner after pci-detach')!;
    expect(handover.outcome).toBe('fails');
    expect(handover.failures.map((f) => f.invariant)).toContain('enabled-vector-delivers');
  });
  it('explore --variant-file explores a configuration that selects the fix by id', async () => {
    const [r, base, strict] = await Promise.all([
      runAsync('explore', '--variant-file', join(EXAMPLES, 'xen-reset-msix-on-assign.ts'), '--scenario', 'reboot-hvm', '--dom0', 'pvops', '--xen', 'reset-msix-on-assign', '--invariant', 'maskall-clear-after-assign', '--depth', '60', '--json'),
      runAsync('explore', '--scenario', 'reboot-hvm', '--dom0', 'pvops', '--xen', '4.12', '--invariant', 'maskall-clear-after-assign', '--depth', '60', '--json'),
      runAsync('explore', '--scenario', 'reboot-hvm', '--dom0', 'pvops', '--xen', '4.12', '--invariant', 'maskall-clear-after-assign', '--depth', '60', '--fail-on', 'hazard'),
    ]);
    expect(r.status, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as { verdict: string; complete: boolean; config: Record<string, string> };
    expect(j.verdict).toBe('holds');
    expect(j.complete).toBe(true);
    // Without the fix (Xen 4.12) the same exploration finds the carried-over MASKALL.
    expect(base.status).toBe(0); // a hazard
    expect((JSON.parse(base.stdout) as { outcome: string }).outcome).toBe('hazard');
    expect(strict.status).toBe(1);
  });
  it('check --variant-file with the fix selected by id searches that one configuration', () => {
    const r = run('check', '--variant-file', join(import.meta.dirname, '..', 'examples', 'fresh-pirq-fix.ts'), '--guest', 'always-allocate', '--qemu', 'keep-pirqs', '--runs', '100');
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/fails\s+scenario=nvme-hvm guest=always-allocate qemu=keep-pirqs/);
  });
});

describe('fuzz', () => {
  it('writes each finding as a trace and a Markdown report, prints the seed, never overwrites', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pirqcheck-fuzz-'));
    const mine = join(dir, 'notes.txt');
    writeFileSync(mine, 'keep me\n');
    const args = ['fuzz', '--minutes', '0.05', '--shard', '2/3', '--base-seed', '5', '--runs', '20', '--include-known', '--out', dir];
    const r = run(...args);
    expect(r.status, r.stderr).toBe(1);
    expect(r.stdout).toMatch(/base seed 5, shard 2\/3/);
    expect(r.stdout).toMatch(/seed \d+\n/);
    expect(readFileSync(mine, 'utf8')).toBe('keep me\n');
    const traces = readdirSync(dir).filter((f) => f.endsWith('.json'));
    expect(traces.length).toBeGreaterThan(0);
    for (const f of traces) {
      const t = JSON.parse(readFileSync(join(dir, f), 'utf8')) as { format: string; provenance: { seed: number } };
      expect(t.format).toBe('pirqcheck-trace');
      expect(f).toContain(`--seed${t.provenance.seed}`);
      expect(readFileSync(join(dir, f.replace(/\.json$/, '.md')), 'utf8')).toMatch(/^# .*\n[\s\S]*pirqcheck replay /);
    }
    expect(run('replay', join(dir, traces[0]!)).status).toBe(1);
    // The same shard again: the first findings are kept, the new ones get fresh names.
    const firstMd = readFileSync(join(dir, traces[0]!.replace(/\.json$/, '.md')), 'utf8');
    expect(run(...args).status).toBe(1);
    expect(readFileSync(join(dir, traces[0]!.replace(/\.json$/, '.md')), 'utf8')).toBe(firstMd);
    expect(readdirSync(dir).filter((f) => /-2\.json$/.test(f)).length).toBeGreaterThan(0);
  });
  it('an --out that is a file is a usage error', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pirqcheck-fuzz-'));
    const f = join(dir, 'file');
    writeFileSync(f, 'x');
    expectUsageError(['fuzz', '--minutes', '1', '--out', f], /--out .* is not a directory/);
    expect(existsSync(f) && readFileSync(f, 'utf8') === 'x').toBe(true);
  });
});
