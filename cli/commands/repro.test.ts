/**
 * `pirqcheck repro`: a script for every corpus trace of the lifecycle scenarios, each passing `bash -n` and
 * shellcheck, committed beside its trace and linked from its report; the steps a host drives are commands,
 * the others comments; bad input is refused with one line and exit 2.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadTraceFile } from '../../checker/trace.ts';
import { reproScript } from '../../checker/repro.ts';
import { SCENARIOS, enabledActions, initialWorld } from '../../model/scenarios.ts';
import { DEFAULT_CONFIG, resolveConfig } from '../../model/config.ts';
import { step } from '../../model/step.ts';
import type { Action } from '../../model/actions.ts';
import { execute } from '../../checker/run.ts';
import { buildTrace } from '../../checker/trace.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'pirqcheck.js');
const CORPUS = join(ROOT, 'counterexamples');

function run(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, ...(input ? { input } : {}) });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const SCEN = ['reboot-hvm', 'admin-unbind-hvm', 'igbvf-pv'];
const traces = readdirSync(CORPUS)
  .filter((f) => f.endsWith('.json') && f !== 'expectations.json')
  .filter((f) => SCEN.includes(loadTraceFile(join(CORPUS, f)).config.scenario))
  .sort();
const hasShellcheck = spawnSync('shellcheck', ['--version']).status === 0;

describe('pirqcheck repro', () => {
  it('the scenarios exist; the corpus has traces of admin-unbind-hvm, igbvf-pv and reboot-hvm', () => {
    for (const s of SCEN) expect(SCENARIOS.map((x) => x.id)).toContain(s);
    const seen = new Set(traces.map((f) => f.split('--')[0]));
    expect([...seen].sort()).toEqual(['admin-unbind-hvm', 'igbvf-pv', 'reboot-hvm']);
    expect(traces.length).toBeGreaterThan(34);
  });

  it('prints the committed script of a trace, exit 0', () => {
    const f = 'reboot-hvm--fresh-pirq--unmap-on-disable--4.12--pvops--libxl--clean-handover';
    const r = run(['repro', `counterexamples/${f}.json`]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe(readFileSync(join(CORPUS, `${f}.repro.sh`), 'utf8'));
    // The domain config, the dom0 commands in the trace's order, the checks after each step.
    expect(r.stdout).toMatch(/^type = 'hvm'$/m);
    expect(r.stdout).toMatch(/^pci = \[ '\$\{PCIDEV\},vslot=0x04' \]$/m);
    const cmds = r.stdout.split('\n').filter((l) => l.startsWith('run '));
    expect(cmds.slice(0, 4)).toEqual(['run xl pci-assignable-add "${PCIDEV}"', 'run xl create "$DOMU_CFG"', 'run in_guest modprobe nvme', 'run xl destroy "$DOMU"']);
    expect(r.stdout).toContain("check 'host PCIDEV: MSI-X Enable+ Masked-' host_msix \"${PCIDEV}\" '+' '-'");
    // Xen 4.12 prints no "cannot mask" for a Dom0-owned device the first time (e9607d4061 came in 4.19): the
    // check after the destroy is the irq Xen still holds.
    expect(r.stdout).toContain("xen_log 'type=PCI-MSI/-X.*(domain-list=(.*,)?[1-9][0-9]*:|mapped, unbound)'");
    // Step 4 happens inside the driver's probe: a comment that says so, no command.
    expect(r.stdout).toMatch(/### step 4: guest pci_msix_clear_and_set_ctrl[^\n]*\n# Not forced by a host: /);
  });

  it('a PV trace drives the igbvf driver and the shutdown from the guest', () => {
    const f = readdirSync(CORPUS).find((x) => x.startsWith('igbvf-pv--') && x.endsWith('--pv-vectors-bound.json'))!;
    const s = reproScript(loadTraceFile(join(CORPUS, f)), { tracePath: `counterexamples/${f}` });
    expect(s).toMatch(/^type = 'pv'$/m);
    expect(s).toContain('run in_guest modprobe igbvf');
    expect(s).toContain('run in_guest poweroff -f');
    expect(s).toMatch(/check '[^']*' guest_pirqs 3/);
  });

  it.each(traces)('%s: a committed script that passes bash -n, linked from its report', (f) => {
    const t = loadTraceFile(join(CORPUS, f));
    const script = reproScript(t, { tracePath: `counterexamples/${f}` });
    const sh = join(CORPUS, f.replace(/\.json$/, '.repro.sh'));
    expect(readFileSync(sh, 'utf8')).toBe(script);
    expect(readFileSync(sh.replace(/\.repro\.sh$/, '.md'), 'utf8')).toContain(`(${f.replace(/\.json$/, '.repro.sh')})`);
    const n = spawnSync('bash', ['-n', sh], { encoding: 'utf8' });
    expect(n.status, n.stderr).toBe(0);
  });

  // Without shellcheck these are skipped, and their name says why.
  const why = hasShellcheck ? '' : ' (SKIPPED: shellcheck is not installed; apt-get install shellcheck)';
  it.skipIf(!hasShellcheck).each(traces)(`%s: shellcheck finds nothing${why}`, (f) => {
    const c = spawnSync('shellcheck', [join(CORPUS, f.replace(/\.json$/, '.repro.sh'))], { encoding: 'utf8' });
    expect(c.status, c.stdout).toBe(0);
  });

  // Walks through every lifecycle scenario (admin-unbind-hvm included, which has no corpus trace): every
  // action kind a walk takes becomes a command or a comment, and the script is still clean shell.
  const walks = ['reboot-hvm', 'admin-unbind-hvm', 'igbvf-pv'].flatMap((scenario) => [1, 2, 3, 4, 5, 6].map((seed) => ({ scenario, seed })));
  const walk = (scenario: string, seed: number) => {
    const sc = SCENARIOS.find((x) => x.id === scenario)!;
    const config = { ...DEFAULT_CONFIG, scenario, dom0: 'pvops', xen: '4.12' };
    const r = resolveConfig(config);
    let w = initialWorld(sc);
    let x = seed;
    const actions: Action[] = [];
    for (let i = 0; i < 30; i++) {
      const en = enabledActions(w, sc);
      if (!en.length) break;
      x = (x * 1103515245 + 12345) % 2147483648;
      const a = en[x % en.length]!;
      w = step(w, a, r).world;
      actions.push(a);
    }
    return { config, r, actions };
  };
  it.each(walks)('a 30-step walk of $scenario (seed $seed): every step scripted; bash -n and shellcheck pass', ({ scenario, seed }) => {
    const { config, r, actions } = walk(scenario, seed);
    const ex = execute(r, actions, []);
    const t = buildTrace({ config, actions: ex.actions, steps: ex.steps, invariant: 'clean-handover', evidence: { text: 'a walk, not a counterexample', facts: {} }, alsoViolated: [], seed, runs: 1, runsExecuted: 1, maxSteps: 30, invariants: ['clean-handover'] });
    const script = reproScript(t, { tracePath: `walk-${scenario}-${seed}.json` });
    const blocks = script.split(/^### step \d+: /m).slice(1);
    expect(blocks).toHaveLength(t.steps.length);
    for (const b of blocks) expect(b, b.split('\n')[0]).toMatch(/^(run |# Not forced by a host: |# )/m);
    if (actions.some((a) => a.kind === 'dom0.pcistub_remove')) expect(script).toContain('/sys/bus/pci/drivers/pciback/unbind');
    if (actions.some((a) => a.kind === 'qemu.sigkill')) expect(script).toContain('run pkill -KILL -f -- "-xen-domid ${domid} "');
    const dir = mkdtempSync(join(tmpdir(), 'pirqcheck-walk-'));
    const f = join(dir, 'w.sh');
    writeFileSync(f, script);
    expect(spawnSync('bash', ['-n', f]).status).toBe(0);
    if (hasShellcheck) {
      const c = spawnSync('shellcheck', [f], { encoding: 'utf8' });
      expect(c.status, c.stdout).toBe(0);
    }
  });

  it("the walks take the dom0, toolstack, guest and fault steps a host drives (the administrator's unbind, the QEMU kill)", () => {
    const kinds = new Set(walks.flatMap(({ scenario, seed }) => walk(scenario, seed).actions.map((a) => a.kind)));
    for (const k of ['dom0.pcistub_probe', 'dom0.pcistub_remove', 'toolstack.libxl__device_pci_add', 'toolstack.libxl__destroy_domid', 'qemu.sigkill', 'guest.pci_enable_msix', 'guest.igbvf_probe']) expect([...kinds]).toContain(k);
  });

  it('refuses a trace whose steps cannot run, and a bad file, with one line and exit 2', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pirqcheck-repro-'));
    const t = JSON.parse(readFileSync(join(CORPUS, traces[0]!), 'utf8')) as { actions: unknown[] };
    // Destroying a domain before any exists is not possible.
    t.actions = [{ kind: 'toolstack.libxl__destroy_domid', domid: 1, dev: 0 }, ...t.actions];
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify(t));
    for (const args of [['repro', bad], ['repro', join(dir, 'absent.json')]]) {
      const r = run(args);
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stdout).toBe('');
    }
    expect(run(['repro', bad]).stderr).toMatch(/step 1 is not possible in the model/);
  });
});
