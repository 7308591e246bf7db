/**
 * What a reader sees in a report: the state a step changed (component state, not the audit; whole in the
 * Markdown), a link for every invariant into docs/invariants.md, a sequence diagram whose return arrows
 * follow the calls nested in them and whose notes fit their boxes, and the link to the host reproducer.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadTraceFile } from './trace.ts';
import { markdownReport, sequenceDiagram, stateDiff, terminalReport } from './report.ts';
import { replay, replayConfig } from './replay.ts';
import { INVARIANTS } from '../model/invariants.ts';

const ROOT = join(import.meta.dirname, '..');
const NVME = 'counterexamples/nvme-hvm--fresh-pirq--keep-pirqs--4.12--pvops-7681f31e--libxl--enabled-vector-delivers.json';
const t = loadTraceFile(join(ROOT, NVME));

describe('report: state changed', () => {
  const r = replay(t, replayConfig(t, {}), INVARIANTS, t.violation.step);
  it('the world diff of step 8 touches the audit, the report does not show it', () => {
    expect(JSON.stringify(r.before.audit)).not.toBe(JSON.stringify(r.after.audit));
    const diff = stateDiff(r.before, r.after);
    expect(diff.length).toBeGreaterThan(0);
    expect(diff.filter((d) => d.startsWith('audit'))).toEqual([]);
    expect(diff).toContain('xen.domains.1.pirqs.54.evtchn: 0 -> 1');
  });
  it('the Markdown shows long values whole; the terminal shortens them', () => {
    const long = { a: 'x'.repeat(300) };
    expect(stateDiff({ s: 1 }, { s: long }, { maxValue: Infinity })[0]).toContain('x'.repeat(300));
    expect(stateDiff({ s: 1 }, { s: long })[0]!.length).toBeLessThan(200);
    const md = markdownReport(t, { tracePath: NVME });
    const section = md.slice(md.indexOf('[State changed'), md.indexOf('[Sequence]'));
    expect(section).not.toContain('audit');
    expect(section).not.toContain('…');
    expect(terminalReport(t, {})).not.toMatch(/^\s+audit\./m);
  });
});

describe('report: invariant reference', () => {
  it('links the invariant to its section of docs/invariants.md, relative to the report', () => {
    const md = markdownReport(t, { tracePath: NVME });
    const m = /\[docs\/invariants\.md\]\(([^)#]+)#([a-z-]+)\)/.exec(md);
    expect(m?.[1]).toBe('../docs/invariants.md');
    expect(m?.[2]).toBe('enabled-vector-delivers');
    expect(existsSync(join(ROOT, 'counterexamples', m![1]!))).toBe(true);
    expect(readFileSync(join(ROOT, 'docs/invariants.md'), 'utf8')).toContain('## `enabled-vector-delivers`');
    expect(md).not.toMatch(/\(reference D\.\d+/);
  });
});

describe('report: sequence diagram', () => {
  const d = sequenceDiagram(t.steps);
  it("draws a call's return arrow after the calls nested in it", () => {
    // Step 1: xen_hvm_setup_msi_irqs (returns 0) calls PHYSDEVOP_get_free_pirq and pci_msix_write first.
    const s1 = sequenceDiagram(t.steps.slice(0, 1));
    const setup = s1.findIndex((l) => l.includes('guest->>guest: xen_hvm_setup_msi_irqs'));
    const nestedRet = s1.findIndex((l) => l.includes('qemu-->>guest: updated=true'));
    const setupRet = s1.findIndex((l) => l.trim() === 'guest-->>guest: 0');
    expect(setup).toBeGreaterThan(-1);
    expect(nestedRet).toBeGreaterThan(setup);
    expect(setupRet).toBeGreaterThan(nestedRet);
    // Step 7: xen_pt_msixctrl_reg_write -> xen_pt_msix_update -> XEN_DOMCTL_bind_pt_irq ... the intercept
    // returns "hardware ENABLE=1 MASKALL=0" only after QEMU's nested hypercalls.
    const i7 = d.findIndex((l) => l.includes('Note over guest: 7.'));
    const i8 = d.findIndex((l) => l.includes('Note over guest: 8.'));
    const step7 = d.slice(i7, i8);
    const bind = step7.findIndex((l) => l.includes('->>xen: XEN_DOMCTL_bind_pt_irq'));
    const bindRet = step7.findIndex((l) => l.includes('xen-->>qemu: -EINVAL'));
    const unmap = step7.findIndex((l) => l.includes('->>xen: PHYSDEVOP_unmap_pirq'));
    expect(bind).toBeGreaterThan(-1);
    expect(bindRet).toBeGreaterThan(bind);
    expect(unmap).toBeGreaterThan(bindRet);
    // Every return arrow comes after every arrow of calls nested deeper in the same call.
    for (const s of t.steps) {
      const lines = sequenceDiagram([s]);
      const calls = lines.filter((l) => /->>/.test(l));
      let depth = 0;
      for (const l of calls) {
        if (/-->>/.test(l)) depth--;
        else depth++;
        expect(depth).toBeGreaterThanOrEqual(0);
      }
    }
  });
  it('breaks note text into lines short enough for the box', () => {
    const notes = d.filter((l) => l.includes('Note '));
    expect(notes.some((l) => l.includes('<br/>'))).toBe(true);
    for (const n of notes) for (const part of n.replace(/^.*?: /, '').split('<br/>')) expect(part.length, n).toBeLessThanOrEqual(60);
  });
});
