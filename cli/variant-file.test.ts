/**
 * Variant files that are code, as a user meets them on the command line: loaded from any directory (the
 * checkout's or not), every refusal of the loader and of the run-time checks one line on stderr naming the
 * file and the problem, exit status 2, no stack trace.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'pirqcheck.js');
const FN = join(import.meta.dirname, 'testdata', 'fn');

function runAsync(cwd: string, args: string[], env: Record<string, string> = {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, NO_COLOR: '1', ...env } });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

function oneLine(r: { status: number | null; stderr: string }, mentions: RegExp) {
  const lines = r.stderr.split('\n').filter((l) => l.length > 0);
  expect(r.status, r.stderr).toBe(2);
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(mentions);
  expect(r.stderr).not.toMatch(/^\s+at /m);
}

/** A directory outside the checkout, as a maintainer's patches directory. */
const ELSEWHERE = mkdtempSync(join(tmpdir(), 'pirqcheck-elsewhere-'));
const CWD = mkdtempSync(join(tmpdir(), 'pirqcheck-cwd-'));

describe('loading from anywhere', () => {
  it('a plain `export default {...}` outside the checkout loads (no ERR_REQUIRE_CYCLE_MODULE), as .ts, .mts, .js and .mjs', async () => {
    const body = (id: string) => `export default { id: '${id}', component: 'xen', title: 't', upstream: 'u', versions: 'v', base: '4.12', flags: { xenResetMsixOnAssign: true } };\n`;
    const runs = ['ts', 'mts', 'js', 'mjs'].map((ext) => {
      const f = join(ELSEWHERE, `plain-${ext}.${ext}`);
      writeFileSync(f, body(`plain-${ext}`));
      return runAsync(CWD, ['variants', '--component', 'xen', '--variant-file', f]).then((r) => ({ ext, r }));
    });
    for (const { ext, r } of await Promise.all(runs)) {
      expect(r.stderr, ext).toBe('');
      expect(r.status).toBe(0);
      expect(r.stdout).toContain(`plain-${ext}`);
    }
  });

  it("a code-only fix outside the checkout imports 'pirqcheck' and its own modules, and runs", async () => {
    const dir = join(ELSEWHERE, 'patches');
    mkdirSync(dir, { recursive: true });
    copyFileSync(join(ROOT, 'examples', 'code', 'chao-v6.ts'), join(dir, 'chao-v6.ts'));
    copyFileSync(join(ROOT, 'examples', 'code', 'chao-v6-esrch.ts'), join(dir, 'chao-v6-esrch.ts'));
    const r = await runAsync(CWD, ['check', '--scenario', 'reboot-hvm', '--xen', 'code-chao-v6-esrch', '--runs', '20', '--variant-file', join(dir, 'chao-v6-esrch.ts')]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('xen=code-chao-v6-esrch');
    expect([0, 1]).toContain(r.status);
  });

  it('my-fix.js beside my-fix.ts loads the one named', async () => {
    const dir = join(ELSEWHERE, 'both');
    mkdirSync(dir, { recursive: true });
    const spec = (id: string) => `export default { id: '${id}', component: 'qemu', title: 't', upstream: 'u', versions: 'v', flags: { qemuUnmapOnDisable: false } };\n`;
    writeFileSync(join(dir, 'my-fix.ts'), spec('from-ts'));
    writeFileSync(join(dir, 'my-fix.js'), spec('from-js'));
    const [js, ts] = await Promise.all([
      runAsync(CWD, ['variants', '--component', 'qemu', '--variant-file', join(dir, 'my-fix.js')]),
      runAsync(CWD, ['variants', '--component', 'qemu', '--variant-file', join(dir, 'my-fix.ts')]),
    ]);
    expect(js.stdout).toContain('from-js');
    expect(js.stdout).not.toContain('from-ts');
    expect(ts.stdout).toContain('from-ts');
    expect(ts.stdout).not.toContain('from-js');
  });
});

describe('refused, one line, exit 2', () => {
  const fifo = join(ELSEWHERE, 'fix.fifo.ts');
  spawnSync('mkfifo', [fifo]);
  const cases: [string, string[], RegExp, Record<string, string>?][] = [
    ['a directory', ['check', '--variant-file', ELSEWHERE], /cannot read variant file '.*pirqcheck-elsewhere-[^']*': it is a directory/],
    ['a device', ['check', '--variant-file', '/dev/zero'], /cannot read variant file '\/dev\/zero': it is a device/],
    ['a FIFO, which would never finish reading', ['check', '--variant-file', fifo], /cannot read variant file '.*fix\.fifo\.ts': it is a FIFO/],
    ['another extension', ['check', '--variant-file', join(ROOT, 'package.json')], /package\.json': a variant file is \.ts, \.mts, \.js, \.mjs, not '\.json'/],
    ['a type error, at file:line:column', ['check', '--variant-file', join(FN, 'type-error.ts')], /type-error\.ts:11:5: type error: .*'dev'.*not assignable/],
    ['a misspelt function name, at file:line:column', ['check', '--variant-file', join(FN, 'wrong-name.ts')], /wrong-name\.ts:11:5: type error: .*'deassign_devic' does not exist.*Did you mean to write 'deassign_device'/],
    ['a syntax error in JavaScript, at file:line:column', ['check', '--variant-file', join(FN, 'syntax.mjs')], /syntax\.mjs:1:44: syntax error: /],
    ['a module that throws on import', ['check', '--variant-file', join(FN, 'import-throws.mjs')], /import-throws\.mjs':2:\d+ threw while loading: Error: cannot load this fix/],
    ['a getter that throws', ['check', '--variant-file', join(FN, 'getter-throws.mjs')], /getter-throws\.mjs': reading the exported variant threw Error: no title today/],
    ['an unknown function (no types: .mjs)', ['check', '--variant-file', join(FN, 'unknown-fn.mjs')], /unknown-fn\.mjs': 'deassign_devic' is not a modelled function of the xen component/],
    ['a function of another component', ['check', '--variant-file', join(FN, 'wrong-component-fn.mjs')], /'xen_pcibk_reset_device' is a function of the dom0 component, not xen/],
    ['an override that is not a function', ['check', '--variant-file', join(FN, 'not-a-function.mjs')], /functions\.deassign_device must be a function \(builtin, s, domid, dev\), got number/],
    ['an override with more parameters than the function', ['check', '--variant-file', join(FN, 'too-many-params.mjs')], /functions\.deassign_device declares 5 parameters; it receives \(builtin, s, domid, dev\)/],
    [
      'an override that writes another component',
      ['check', '--xen', 'x-foreign', '--runs', '5', '--variant-file', join(FN, 'foreign-write.mjs')],
      /foreign-write\.mjs' \(xen variant 'x-foreign'\): PHYSDEVOP_get_free_pirq wrote world\.qemu, which is not the xen component's state/,
    ],
    [
      'an override that writes the shared world in place',
      ['check', '--xen', 'x-direct', '--runs', '5', '--variant-file', join(FN, 'direct-write.mjs')],
      /direct-write\.mjs' \(xen variant 'x-direct'\): PHYSDEVOP_get_free_pirq threw TypeError: .*read only.*write through edit\/own/,
    ],
    [
      'an override whose two runs of a step differ',
      ['check', '--xen', 'x-nondet', '--runs', '5', '--variant-file', join(FN, 'nondeterministic.mjs')],
      /nondeterministic\.mjs' \(xen variant 'x-nondet'\): not deterministic: two runs of the step guest\.pci_enable_msix from the same state differ at world\./,
    ],
    [
      'an override that throws',
      ['check', '--xen', 'x-fn-throws', '--runs', '5', '--variant-file', join(FN, 'throws-in-fn.mjs')],
      /throws-in-fn\.mjs' \(xen variant 'x-fn-throws'\): PHYSDEVOP_get_free_pirq threw RangeError: no pirq for you/,
    ],
    [
      'an override that does not return',
      ['check', '--xen', 'x-loop', '--runs', '5', '--variant-file', join(FN, 'loop.mjs')],
      /loop\.mjs' \(xen variant 'x-loop'\): PHYSDEVOP_get_free_pirq did not return within 1 s; the run is stopped/,
      { PIRQCHECK_FUNCTION_TIMEOUT: '1' },
    ],
    [
      'an override that does not return, in an explorer worker thread',
      ['explore', '--workers', '2', '--depth', '30', '--xen', 'x-loop', '--variant-file', join(FN, 'loop.mjs')],
      /loop\.mjs' \(xen variant 'x-loop'\): PHYSDEVOP_get_free_pirq did not return within 1 s/,
      { PIRQCHECK_FUNCTION_TIMEOUT: '1' },
    ],
  ];
  for (const [name, args, re, env] of cases) {
    it.concurrent(name, async () => oneLine(await runAsync(CWD, args, env), re));
  }
});

describe('a trace found with a variant file replays as written', () => {
  it('records the file (path, sha256, flags, functions), names it in the report and its commands, and needs it to replay', async () => {
    const dir = join(ELSEWHERE, 'trace');
    mkdirSync(dir, { recursive: true });
    copyFileSync(join(ROOT, 'examples', 'code', 'fresh-pirq.ts'), join(dir, 'fix.ts'));
    const out = join(dir, 'found');
    const r = await runAsync(dir, ['check', '--guest', 'code-c74fd80f', '--qemu', 'keep-pirqs', '--invariant', 'no-stuck-pirq', '--fail-on', 'hazard', '--variant-file', 'fix.ts', '--report', out]);
    expect(r.status, r.stderr).toBe(1); // a hazard, with --fail-on hazard
    const name = 'nvme-hvm--code-c74fd80f--keep-pirqs--4.12--pvops-7681f31e--libxl--no-stuck-pirq';
    const trace = JSON.parse(readFileSync(join(out, `${name}.json`), 'utf8')) as { variantFiles: unknown };
    const sha = createHash('sha256').update(readFileSync(join(dir, 'fix.ts'))).digest('hex');
    expect(trace.variantFiles).toEqual([{ component: 'guest', id: 'code-c74fd80f', file: 'fix.ts', sha256: sha, base: 'reuse-pirq-live', flags: { guestReuse: 'live-irq' }, functions: ['xen_hvm_setup_msi_irqs'] }]);
    const md = readFileSync(join(out, `${name}.md`), 'utf8');
    expect(md).toContain(`pirqcheck replay found/${name}.json --variant-file fix.ts`);
    expect(md).toMatch(/Found by `pirqcheck check --scenario nvme-hvm --guest code-c74fd80f .* --variant-file fix\.ts`/);

    const without = await runAsync(dir, ['replay', join(out, `${name}.json`)]);
    oneLine(without, /found with the guest variant 'code-c74fd80f' of variant file 'fix\.ts': replay it with --variant-file fix\.ts/);
    const withIt = await runAsync(dir, ['replay', join(out, `${name}.json`), '--variant-file', 'fix.ts']);
    expect(withIt.status).toBe(1);
    expect(withIt.stderr).toBe('');
    expect(withIt.stdout).toContain('recorded invariant no-stuck-pirq: violated at step');
    writeFileSync(join(dir, 'fix.ts'), readFileSync(join(dir, 'fix.ts'), 'utf8') + '// edited\n');
    const changed = await runAsync(dir, ['replay', join(out, `${name}.json`), '--variant-file', 'fix.ts']);
    expect(changed.status).toBe(1);
    const lines = changed.stderr.split('\n').filter((l) => l);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^pirqcheck: warning: variant file 'fix\.ts' \(guest variant 'code-c74fd80f'\) is not the one this trace was found with: sha256 [0-9a-f]{12} now, [0-9a-f]{12} then/);
  });
});
