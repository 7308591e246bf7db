/**
 * A counterexample as a bug report, in the shape of the Launchpad reports the project started from:
 * title, [Impact], [Configuration], [Test Case], evidence, the state that changed at the failing step,
 * a sequence diagram, and how to replay it. Rendered from a trace (plus a replay of it for the world diff);
 * the same content, compact and coloured, for the terminal.
 */
import pc from 'picocolors';
import { dirname, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONFIG_COMPONENTS } from '../model/config.ts';
import { INVARIANTS, findInvariant } from '../model/invariants.ts';
import { findScenario } from '../model/scenarios.ts';
import { findVariant, swappableVariantsOf, type VariantComponent } from '../model/variants.ts';
import { timeline } from './format.ts';
import type { Call } from '../model/types.ts';
import { replay, replayConfig } from './replay.ts';
import type { Trace, TraceFileStep } from './trace.ts';

/**
 * What each invariant's violation means on a real system: a headline for the title and the impact a user
 * sees. Keyed by invariant name; an invariant missing here gets the generic wording below.
 */
export const INVARIANT_IMPACT: Readonly<Record<string, { readonly headline: string; readonly impact: string }>> = {
  'pirq-single-owner': {
    headline: 'one pirq is held for two different interrupt vectors',
    impact:
      'Two vectors (often on two different devices) end up on the same pirq: interrupts of one device are delivered to the other device\'s handler or lost, and the device whose mapping was overwritten stops receiving interrupts; its driver times out (NVMe: "I/O timeout, aborting", controller reset loops).',
  },
  'map-success-means-mapped': {
    headline: 'PHYSDEVOP_map_pirq reports success without mapping the requested vector',
    impact:
      'QEMU believes the vector is mapped and writes the pirq into the MSI(-X) entry, but Xen routes that pirq elsewhere: the device\'s interrupts never reach the guest and the driver times out, with no error in QEMU\'s log.',
  },
  'qemu-xen-agree': {
    headline: 'QEMU and Xen disagree about which pirq a vector uses',
    impact:
      'QEMU programs or binds a pirq that Xen no longer maps to the vector (or Xen maps a pirq QEMU forgot): interrupts of that vector are lost or go to another vector, and later enable/disable cycles fail with "Failed to obtain physical IRQ" or -EBUSY/-EEXIST from the hypervisor.',
  },
  'guest-xen-agree': {
    headline: 'the guest waits on a pirq that Xen does not map to the vector it enabled',
    impact:
      'The guest driver registered its handler on an irq whose pirq Xen does not bind to this device vector: the device\'s interrupts never arrive and the driver times out (NVMe: the controller fails to initialise; other controllers may take its interrupts).',
  },
  'enabled-vector-delivers': {
    headline: 'an enabled, requested interrupt vector cannot deliver to the guest',
    impact: 'The device raises its interrupt but it never arrives in the guest: the driver times out waiting for it (NVMe: "I/O timeout", "Device not ready; aborting reset", the controller is disabled).',
  },
  'free-pirq-has-no-evtchn': {
    headline: 'a pirq Xen considers free still has an event channel bound',
    impact:
      'Xen hands the pirq out again while a guest event channel is still bound to it: the next device to map that pirq has its interrupts delivered to the old handler, and unbinding later fails or tears down the new user\'s interrupt.',
  },
  'no-duplicate-guest-pirq': {
    headline: 'two live guest irqs are bound to the same pirq',
    impact: 'Two guest irqs share one pirq: binding the second event channel fails (-EEXIST) or one handler receives both devices\' interrupts while the other device\'s driver times out.',
  },
  'cached-pirq-is-hint': {
    headline: 'the guest reuses a cached pirq that Xen no longer maps to the same vector',
    impact:
      'On re-enabling MSI/MSI-X (driver reload, NVMe reset), the guest reuses the pirq cached in the MSI message although Xen freed it or gave it to another device: the vector fails to be configured, or steals another device\'s interrupt ("Failed to obtain physical IRQ", driver probe fails).',
  },
  'pv-vectors-bound': {
    headline: 'a PV guest\'s enabled MSI-X vector has no bound event channel on a pirq Xen maps to it',
    impact:
      'In a PV guest using pcifront, a vector the driver enabled is not connected to a pirq Xen maps for it: the device\'s interrupts never arrive, the driver times out (igbvf: "Tx Unit Hang", the link never comes up), typically after a driver reload or a failed enable in dom0.',
  },
  'dom0-no-stale-msix-entries': {
    headline: 'dom0 holds MSI-X pirqs that Xen no longer maps to the device',
    impact:
      'dom0\'s MSI code keeps (pirq, entry) records that Xen has unmapped or mapped elsewhere: the next pci_enable_msix from pciback fails ("msix entry ... are not freed before acquire again", -EEXIST/-EINVAL) or tears down another owner\'s interrupt, and the guest\'s driver cannot enable MSI-X.',
  },
  'dom0-flag-matches-holdings': {
    headline: 'dom0\'s msix_enabled flag disagrees with the MSI-X pirqs dom0 holds',
    impact:
      'dom0 believes MSI-X is enabled with no pirqs held, or disabled while it still holds pirqs: the next enable is refused (-EINVAL) or the held pirqs are never freed, so the guest driver cannot enable MSI-X again until the host is rebooted.',
  },
  'no-stale-pirq-after-destroy': {
    headline: 'a destroyed domain still has Xen irqs or dom0 pirqs mapped for it',
    impact:
      'After the guest is destroyed, host interrupts stay bound to it: the device cannot be assigned and enabled in the next guest ("Failed to obtain physical IRQ", -EBUSY), and the leaked irqs accumulate with every guest restart.',
  },
  'maskall-clear-after-assign': {
    headline: 'MSI-X MASKALL stays set after the device is reset and assigned to a new domain',
    impact:
      'The new guest enables MSI-X but the function-wide mask set for the previous owner is still in force: none of the device\'s interrupts arrive and the driver times out on its first interrupt (the device works only after a host reboot or a manual reset).',
  },
  'no-carried-over-mask': {
    headline: 'a device carries a host mask left by its previous owner',
    impact:
      'The new owner starts with the device masked by Xen on behalf of an earlier owner: its interrupts are held back until it happens to write the control word in the right way, so the driver\'s first interrupts (often the admin/link interrupt) never arrive.',
  },
  'no-mask-without-decoding': {
    headline: 'Xen has to mask an MSI-X vector while the device\'s memory decoding is off',
    impact:
      'Xen cannot reach the MSI-X table while memory decoding is off, so it masks the whole function (MASKALL, host_maskall) instead: every vector of the device stops delivering until the mask is cleared, which a guest cannot do; the driver times out.',
  },
  'clean-handover': {
    headline: 'Xen still maps a pirq of the old owner to a device that was reset or deassigned',
    impact:
      'After reset or deassignment, the device\'s interrupts can still be routed to the previous owner: the new owner misses them (driver timeouts) and the old domain receives interrupts from a device it no longer owns.',
  },
  'host-maskall-not-guest-clearable': {
    headline: 'a guest clears a host_maskall Xen set',
    impact:
      'A mask Xen applied for its own reasons is lifted by the guest setting up a vector: a device Xen meant to keep quiet can raise interrupts again, which an untrusted guest can use to cause interrupt storms on the host.',
  },
  'used-entries-accounting': {
    headline: 'Xen\'s count of used MSI-X entries disagrees with the live descriptors',
    impact:
      'arch_msix used_entries is off: Xen later refuses to release or re-prepare the device\'s MSI-X state (-EBUSY on deassign or on the next guest\'s enable), or releases it while a vector is still in use.',
  },
  'no-stuck-pirq': {
    headline: 'a pirq of a running domain can never be freed again',
    impact:
      'Nothing left in the system will release the pirq short of destroying the domain: it cannot be handed out again, and every hot-unplug or driver reload that leaves one behind takes another of the domain\'s pirqs until allocation fails with -ENOSPC.',
  },
  'pciback-msix-calls-succeed': {
    headline: 'pciback\'s PHYSDEVOP_prepare_msix or release_msix fails',
    impact:
      'dom0\'s dmesg shows "MSI-X release failed (-16)" (or "MSI-X preparation failed"): Xen still counts MSI-X descriptors of a domain for the device, so the unbind does not release its MSI-X state, the next bind to pciback cannot prepare it, and with seed 003\'s reset on export the next guest does not get the device at all.',
  },
  'no-domain-crash': {
    headline: 'Xen crashes the guest',
    impact:
      'The guest dies where it stood (its vCPUs are paused, "Domain N reported crashed by domain 0" in xl dmesg) and the toolstack destroys it (on_crash=destroy); with the same hardware and software it crashes again at every boot.',
  },
  'no-leaked-irq': {
    headline: 'Xen leaks an irq created for an MSI mapping',
    impact: 'Every enable/disable cycle leaks a host irq (and its vector) in Xen: after enough driver reloads or resets, mapping new interrupts fails with -ENOSPC and devices cannot enable MSI at all.',
  },
};

export function impactOf(invariant: string): { headline: string; impact: string } {
  const known = INVARIANT_IMPACT[invariant];
  if (known) return known;
  const inv = findInvariant(invariant);
  return {
    headline: `invariant ${invariant} is violated`,
    impact: `The system reaches a state in which this claim is false: ${inv?.doc ?? invariant} Interrupts of the affected vector may be lost or misrouted.`,
  };
}

// ---------------------------------------------------------------------------------------------------
// State diff

/** Leaf-level differences between two JSON values: `path: before -> after`. Object keys in sorted order. */
export function jsonDiff(a: unknown, b: unknown, path = '', o: { maxValue?: number } = {}): string[] {
  const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object';
  if (isObj(a) && isObj(b) && Array.isArray(a) === Array.isArray(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort(compareKeys);
    const out: string[] = [];
    for (const k of keys) out.push(...jsonDiff(a[k], b[k], path ? `${path}.${k}` : k, o));
    return out;
  }
  if (JSON.stringify(a) === JSON.stringify(b)) return [];
  return [`${path}: ${show(a, o.maxValue)} -> ${show(b, o.maxValue)}`];
}

/**
 * What a step changed in the components' state: the world's diff without `audit`, the model's own record
 * of observations that the invariants read (not state any component keeps).
 */
export function stateDiff(before: unknown, after: unknown, o: { maxValue?: number } = {}): string[] {
  const strip = (w: unknown) => {
    if (w === null || typeof w !== 'object') return w;
    const { audit: _audit, ...rest } = w as Record<string, unknown>;
    return rest;
  };
  return jsonDiff(strip(before), strip(after), '', o);
}

function compareKeys(x: string, y: string): number {
  const nx = /^\d+$/.test(x) ? Number(x) : NaN;
  const ny = /^\d+$/.test(y) ? Number(y) : NaN;
  if (!Number.isNaN(nx) && !Number.isNaN(ny)) return nx - ny;
  return x < y ? -1 : x > y ? 1 : 0;
}

function show(v: unknown, max = 160): string {
  if (v === undefined) return '(absent)';
  const s = JSON.stringify(v);
  return s.length > max ? s.slice(0, max - 1) + '…' : s;
}

// ---------------------------------------------------------------------------------------------------
// Pieces

export function configTitle(t: Trace): string {
  const c = t.config as unknown as Record<string, string>;
  return [...CONFIG_COMPONENTS.map((k) => `${k} ${c[k]}`), `scenario ${c['scenario']}`].join(', ');
}

/** File name for a trace: configuration and invariant, filesystem-safe. */
export function traceName(t: Trace): string {
  const c = t.config as unknown as Record<string, string>;
  return [c['scenario'], ...CONFIG_COMPONENTS.map((k) => c[k]), t.violation.invariant]
    .map((s) => String(s).replace(/[^A-Za-z0-9._-]+/g, '_'))
    .join('--');
}

function asCalls(s: TraceFileStep): Call[] {
  return s.calls.map((c) => ({ ...c, component: c.component as Call['component'], log: [...c.log], logAt: [...c.logAt] }));
}

/** Numbered steps with nested calls and log lines in time order. */
function testCaseLines(steps: readonly TraceFileStep[]): string[] {
  const out: string[] = [];
  for (const s of steps) {
    const dev = s.device ? ` ${s.device}` : '';
    out.push(`${s.n}. **${s.component}** \`${s.action}(${s.args})\`${dev}${s.result ? ` → \`${s.result}\`` : ''}`);
    for (const e of timeline(asCalls(s))) {
      const pad = '   ' + '  '.repeat(e.depth);
      if (e.kind === 'call' && e.depth > 0) {
        out.push(`${pad}- ${e.call.component}: \`${e.call.fn}(${e.call.args})\`${e.call.result ? ` → \`${e.call.result}\`` : ''}`);
      } else if (e.kind === 'log') {
        out.push(`${pad}- ${e.call.component} log: \`${e.text}\``);
      }
    }
  }
  return out;
}

const LANE_ORDER = ['guest', 'qemu', 'dom0', 'xen', 'toolstack', 'device'];

function mermaidText(s: string): string {
  return s.replace(/;/g, '#59;').replace(/[\r\n]+/g, ' ');
}

/** Note text broken into lines of at most `width` characters (Mermaid does not wrap notes: a long line leaves its box). */
function noteText(s: string, width = 40): string {
  const words = mermaidText(s).split(' ');
  const lines: string[] = [];
  let line = '';
  for (const w of words) {
    if (line && line.length + 1 + w.length > width) {
      lines.push(line);
      line = w;
    } else line = line ? `${line} ${w}` : w;
  }
  if (line) lines.push(line);
  return lines.join('<br/>');
}

/**
 * A Mermaid sequenceDiagram: one participant per component that appears, one arrow per nested call, and
 * its return arrow after the calls nested in it (a call returns when its callees have).
 */
export function sequenceDiagram(steps: readonly TraceFileStep[]): string[] {
  const seen = new Set<string>();
  for (const s of steps) for (const c of s.calls) seen.add(c.component);
  seen.add(steps[0]?.component ?? 'guest');
  const lanes = [...LANE_ORDER.filter((l) => seen.has(l)), ...[...seen].filter((l) => !LANE_ORDER.includes(l)).sort()];
  const out = ['sequenceDiagram'];
  for (const l of lanes) out.push(`    participant ${l}`);
  for (const s of steps) {
    const events = timeline(asCalls(s));
    const stack: string[] = [];
    /** Calls whose return arrow is not drawn yet, innermost last. */
    const open: { depth: number; line: string | null }[] = [];
    const close = (depth: number) => {
      while (open.length && open[open.length - 1]!.depth >= depth) {
        const c = open.pop()!;
        if (c.line) out.push(c.line);
      }
    };
    for (const e of events) {
      if (e.kind === 'call') {
        close(e.depth);
        stack.length = e.depth;
        if (e.depth === 0) {
          out.push(`    Note over ${e.call.component}: ${noteText(`${s.n}. ${s.action}(${s.args})${s.device ? ' ' + s.device : ''}${s.result ? ' → ' + s.result : ''}`)}`);
        } else {
          const from = stack[e.depth - 1] ?? s.component;
          out.push(`    ${from}->>${e.call.component}: ${mermaidText(`${e.call.fn}(${e.call.args})`)}`);
          open.push({ depth: e.depth, line: e.call.result ? `    ${e.call.component}-->>${from}: ${mermaidText(e.call.result)}` : null });
        }
        stack[e.depth] = e.call.component;
      } else {
        // A line the caller logs after its callees returned comes after their return arrows.
        close(e.depth + 1);
        out.push(`    Note right of ${e.call.component}: ${noteText(e.text)}`);
      }
    }
    close(0);
  }
  return out;
}

function variantLines(t: Trace): string[] {
  const c = t.config as unknown as Record<string, string>;
  const sc = findScenario(c['scenario'] ?? '');
  const out = [`- scenario \`${c['scenario']}\`: ${sc ? sc.title : '(unknown)'}`];
  for (const comp of CONFIG_COMPONENTS) {
    const v = findVariant(comp as VariantComponent, c[comp] ?? '');
    out.push(v ? `- ${comp} \`${v.id}\`: ${v.title}. Upstream: ${v.upstream}. Versions: ${v.versions}. <${v.link}>` : `- ${comp} \`${c[comp]}\``);
  }
  return out;
}

export interface ReportOptions {
  /** Path of the trace file as the reader should type it (relative, for reproducible reports). */
  readonly tracePath: string;
  /** Link from the report to its `pirqcheck repro` script, when one is written beside it (the corpus). */
  readonly reproPath?: string;
  /**
   * Link from the report to docs/invariants.md. Default: relative from the report's directory (beside
   * the trace, taken relative to the working directory) to the docs of this pirqcheck.
   */
  readonly invariantsDoc?: string;
}

const PACKAGE_INVARIANTS_DOC = fileURLToPath(new URL('../docs/invariants.md', import.meta.url));

function invariantsDocLink(o: ReportOptions): string {
  if (o.invariantsDoc !== undefined) return o.invariantsDoc;
  const from = dirname(resolve(process.cwd(), o.tracePath));
  return relative(from, PACKAGE_INVARIANTS_DOC).split(sep).join('/');
}

function regenerateCommand(t: Trace): string {
  const c = t.config as unknown as Record<string, string>;
  const parts = ['pirqcheck check', `--scenario ${c['scenario']}`, ...CONFIG_COMPONENTS.map((k) => `--${k} ${c[k]}`)];
  const all = INVARIANTS.map((i) => i.name);
  const everyInvariant = t.provenance.invariants.length === all.length && all.every((n, i) => t.provenance.invariants[i] === n);
  if (!everyInvariant) for (const inv of t.provenance.invariants) parts.push(`--invariant ${inv}`);
  parts.push(`--seed ${t.provenance.seed}`, `--runs ${t.provenance.runs}`, `--max-steps ${t.provenance.maxSteps}`);
  return parts.join(' ') + variantFileArgs(t);
}

/** ` --variant-file F` for every variant file the trace was found with (none for built-in variants). */
export function variantFileArgs(t: Trace): string {
  return (t.variantFiles ?? []).map((f) => ` --variant-file ${f.file}`).join('');
}

/** Other variants of each component, which a reader can swap in with `pirqcheck replay --<component> ID`. */
function alternatives(t: Trace): string[] {
  const c = t.config as unknown as Record<string, string>;
  return CONFIG_COMPONENTS.flatMap((comp) => {
    const others = swappableVariantsOf(comp).map((v) => v.id).filter((id) => id !== c[comp]);
    return others.length ? [`--${comp} ${others.join(' | ')}`] : [];
  });
}

/**
 * Replay the trace with each single other variant swapped in, and sort the swaps by outcome: clean (every
 * step ran, every invariant held), still violated, or not all steps possible.
 */
export function singleSwaps(t: Trace): { clean: string[]; violated: string[]; incomplete: string[] } {
  const c = t.config as unknown as Record<string, string>;
  const out = { clean: [] as string[], violated: [] as string[], incomplete: [] as string[] };
  for (const comp of CONFIG_COMPONENTS) {
    for (const v of swappableVariantsOf(comp)) {
      if (v.id === c[comp]) continue;
      const r = replay(t, replayConfig(t, { [comp]: v.id }));
      const flag = `--${comp} ${v.id}`;
      if (r.firstViolation) out.violated.push(flag);
      else if (r.refused.length) out.incomplete.push(flag);
      else out.clean.push(flag);
    }
  }
  return out;
}

function fixHint(t: Trace, swaps: { clean: string[] }): string | null {
  if (swaps.clean[0]) return `pirqcheck replay FILE ${swaps.clean[0]}${variantFileArgs(t)}`;
  const c = t.config as unknown as Record<string, string>;
  for (const comp of CONFIG_COMPONENTS) {
    const other = swappableVariantsOf(comp).find((v) => v.id !== c[comp]);
    if (other) return `pirqcheck replay FILE --${comp} ${other.id}${variantFileArgs(t)}`;
  }
  return null;
}

/** The invariant's kind and why, for the top of a report (model/invariants.ts). */
function kindLines(invariant: string): string[] {
  const inv = findInvariant(invariant);
  if (!inv) return [];
  return inv.kind === 'failure'
    ? [`Kind: **failure**, a user or operator sees it. ${inv.why}`, '']
    : [`Kind: **hazard**, the components disagree and nothing observes it yet. ${inv.why}${inv.leadsTo ? ` What it can lead to: ${inv.leadsTo}` : ''}`, ''];
}

// ---------------------------------------------------------------------------------------------------
// Markdown

export function markdownReport(t: Trace, o: ReportOptions): string {
  const { headline, impact } = impactOf(t.violation.invariant);
  const inv = findInvariant(t.violation.invariant);
  const r = replay(t, replayConfig(t, {}), INVARIANTS, t.violation.step);
  const diff = stateDiff(r.before, r.after, { maxValue: Infinity });
  const steps = t.steps;
  const L: string[] = [];
  L.push(`# ${capitalise(headline)} (${configTitle(t)})`, '');
  L.push('[Impact]', '', ...kindLines(t.violation.invariant), impact, '');
  L.push(
    `Invariant broken: \`${t.violation.invariant}\` — ${inv?.doc ?? '(unknown invariant)'}${inv ? ` ([docs/invariants.md](${invariantsDocLink(o)}#${t.violation.invariant}): what it checks, reference item ${inv.ref})` : ''}`,
    '',
  );
  L.push('[Configuration]', '', ...variantLines(t), '');
  L.push('[Test Case]', '', `${steps.length} step(s) from the initial state of scenario \`${t.config.scenario}\` (devices assigned, nothing enabled). Each step is one interleaving point; indented lines are the calls it made and the lines the real code logs, in time order.`, '');
  L.push(...testCaseLines(steps), '');
  L.push(`[Evidence]`, '', `After step ${t.violation.step}: ${t.violation.evidence.text}`, '');
  const also = t.violation.alsoViolated.filter((n) => n !== t.violation.invariant);
  if (also.length) L.push(`Also violated at that step: ${also.map((n) => `\`${n}\``).join(', ')}.`, '');
  L.push('```json', JSON.stringify(t.violation.evidence.facts, null, 2), '```', '');
  L.push(`[State changed at step ${r.focus ?? t.violation.step}]`, '');
  if (diff.length) L.push('```', ...diff, '```', '');
  else L.push('(no field changed)', '');
  L.push('[Sequence]', '', '```mermaid', ...sequenceDiagram(steps), '```', '');
  L.push('[Replay]', '', 'Replay the recorded actions through the model (no generator involved); exit status 1 means the violation reproduces:', '');
  L.push('```', `pirqcheck replay ${o.tracePath}${variantFileArgs(t)}`, '```', '');
  L.push('[Reproduce on a host]', '');
  L.push(
    'The same steps as a shell script for a real Xen host, in the style of Xen\'s automation scripts: the domain configuration, the dom0 and guest commands, and after each step the checks (`xl dmesg` lines, `lspci -vv` MSI-X flags and memory decoding, the guest\'s /proc/interrupts) that tell the real outcome from the model\'s; steps no host can force are comments that say so.',
    '',
  );
  if (o.reproPath) L.push(`This one: [${o.reproPath.split('/').pop()}](${o.reproPath}). For any trace:`, '');
  L.push('```', `pirqcheck repro ${o.tracePath}${variantFileArgs(t)} > repro.sh`, '```', '');
  const swaps = singleSwaps(t);
  const hint = fixHint(t, swaps);
  if (hint) {
    L.push('Check a fix against this bug by swapping a component variant (exit 0: every step ran and every invariant held; 1: still violated; 4: some steps were not possible and none violated an invariant):', '', '```', hint.replace('FILE', o.tracePath), '```', '');
    L.push(`Variants that can be swapped in: ${alternatives(t).map((a) => `\`${a}\``).join('; ')}.`, '');
    const list = (xs: string[]) => (xs.length ? xs.map((x) => `\`${x}\``).join(', ') : 'none');
    L.push(
      'Replaying these same steps with one variant swapped:',
      '',
      `- every step runs and every invariant holds (exit 0): ${list(swaps.clean)}`,
      `- still violates an invariant (exit 1): ${list(swaps.violated)}`,
      `- some steps not possible (exit 4): ${list(swaps.incomplete)}`,
      '',
      'This says what these steps do under each variant, not that a variant is correct: a search of the swapped configuration may find other interleavings.',
      '',
    );
  }
  L.push(`Found by \`${regenerateCommand(t)}\` (run ${t.provenance.runsExecuted} of ${t.provenance.runs}, shrunk to ${steps.length} steps).`, '');
  return L.join('\n');
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

// ---------------------------------------------------------------------------------------------------
// Terminal

export function terminalReport(t: Trace, o: { tracePath?: string; maxDiff?: number } = {}): string {
  const { headline, impact } = impactOf(t.violation.invariant);
  const r = replay(t, replayConfig(t, {}), INVARIANTS, t.violation.step);
  const diff = stateDiff(r.before, r.after);
  const max = o.maxDiff ?? 12;
  const L: string[] = [];
  L.push(pc.bold(pc.red(capitalise(headline))) + pc.dim(`  [${t.violation.invariant}]`));
  L.push(pc.dim(configTitle(t)));
  const inv = findInvariant(t.violation.invariant);
  if (inv) L.push(`${pc.bold('kind')} ${inv.kind === 'failure' ? pc.red('failure') : pc.yellow('hazard')}: ${inv.kind === 'failure' ? 'a user or operator sees it' : 'the components disagree and nothing observes it yet'}`);
  L.push(`${pc.bold('impact')} ${impact}`);
  const w = String(t.steps.length).length;
  for (const s of t.steps) {
    const num = String(s.n).padStart(w);
    L.push(`  ${pc.bold(num)}  ${pc.cyan(s.component.padEnd(6))} ${s.action}(${s.args})${s.device ? ' ' + s.device : ''}${s.result ? '  → ' + colourResult(s.result) : ''}`);
    for (const e of timeline(asCalls(s))) {
      const pad = ' '.repeat(w + 2 + 2 * e.depth);
      if (e.kind === 'call' && e.depth > 0) L.push(`  ${pad}${pc.cyan(e.call.component.padEnd(6))} ${e.call.fn}(${e.call.args})${e.call.result ? '  → ' + colourResult(e.call.result) : ''}`);
      else if (e.kind === 'log') L.push(`  ${pad}${' '.repeat(7)}${pc.yellow('| ' + e.text)}`);
    }
  }
  L.push(`${pc.bold('evidence')} ${t.violation.evidence.text}`);
  if (diff.length) {
    L.push(pc.bold(`changed at step ${r.focus ?? t.violation.step}:`));
    for (const d of diff.slice(0, max)) L.push(`  ${pc.dim(d)}`);
    if (diff.length > max) L.push(pc.dim(`  ... ${diff.length - max} more (see the Markdown report)`));
  }
  if (o.tracePath) L.push(`${pc.bold('replay')} pirqcheck replay ${o.tracePath}${variantFileArgs(t)}`);
  return L.join('\n');
}

function colourResult(s: string): string {
  return s.startsWith('-E') ? pc.red(s) : pc.green(s);
}
