/**
 * The projection of a pirqcheck world of the nvme-hvm scenario onto the state vector of the Promela peer
 * (bench/peer/nvme-hvm.pml), and the per-depth state counts of that projection over pirqcheck's concrete
 * breadth-first exploration. docs/performance.md "The SPIN peer" says what is kept and why.
 *
 * Kept (one value per Promela variable, in the .pml's order): the hardware's MSI-X ENABLE and MASKALL and every
 * entry's MASKBIT and programmed Xen irq; Xen's used_entries, host_maskall and guest_maskall per device; domain
 * 1's pirq records (arch.irq, evtchn, emuirq, whether a dpci binding exists), irq_pirq, the event-channel ports
 * and the msixtbl table flags; Xen's irq descriptors (allocated, msi_desc with dev, entry, host/guest mask, bound
 * to the guest); QEMU's MSI-X enabled and maskall bits and every entry's pirq, message and updated flag; the
 * guest's irq_info records, pirq_to_irq[], and per device msix_enabled, msi_list and the driver's stage, nvec
 * and next.
 *
 * Left out, with the reason:
 * - `audit`: the observations of the last step, a history variable that no handler reads (it only feeds the
 *   invariants), so it does not change what can happen next;
 * - every field no nvme-hvm step writes (checked below: `projectNvmeHvm` throws when one differs from the
 *   initial world): BDFs and slots, PCI_COMMAND, the MSI capability and QEMU's MSI state, the domain's
 *   hvm/dying/nr_pirqs/forced, the pdev owner and `warned`, nr_irqs_gsi/nr_irqs, dom0, PV guests, the toolstack;
 * - the dpci record's gvec (always 0: every message the guest composes has vector 0), the message's address and
 *   data words (a message is either never written or xen_msi_compose_msg of one pirq, so the pirq it encodes
 *   stands for it), GuestIrq.irq/msix and XenMsiDesc.msix (the key, and true on the MSI-X path).
 * Nothing is renamed: irq, port and pirq numbers are the concrete ones.
 */
import type { Resolved } from '../../model/config.ts';
import { enabledActions, initialWorld } from '../../model/scenarios.ts';
import { apply } from '../../model/step.ts';
import type { World } from '../../model/world.ts';
import { worldFingerprint } from '../../checker/fingerprint.ts';

const NDEV = 2;
const NENT = 3;
const PBASE = 48;
const NP = 8;
const XBASE = 48;
const NX = 12;
const GBASE = 24;
const NG = 8;
const NPORT = 9;

const STAGES = ['idle', 'probe-enabled', 'probe-ready', 'probe-running', 'probe-freed', 'probe-disabled', 'io-enabled', 'io-ready', 'running', 'unloading'] as const;

/** The fields no nvme-hvm step changes, as JSON, for the check that they are indeed constant. */
export function constantPart(w: World): string {
  const d = w.xen.domains[1]!;
  return JSON.stringify([
    Object.values(w.hw).map((h) => [h.bdf, h.command, h.msi]),
    [w.xen.nr_irqs_gsi, w.xen.nr_irqs, Object.keys(w.xen.domains), d.domid, d.hvm, d.dying, d.nr_pirqs, d.forced, d.use_pirq, d.shutdown],
    Object.values(w.xen.pdevs).map((p) => [p.domain, p.msix.warned, p.quarantine]),
    Object.values(w.qemu).map((q) => [q.domid, q.alive, q.pcihp_down, Object.values(q.devices).map((x) => [x.vslot, x.msi, x.msix.msix_entry.map((e) => [e.vector_ctrl, e.committed])])]),
    Object.values(w.guests).map((g) => [g.domid, g.msi_ops, g.native_irqs, Object.values(g.devices).map((x) => [x.vslot, x.mode, x.msi_enabled])]),
    w.dom0,
    w.pv,
    w.toolstack,
  ]);
}

const num = (b: boolean) => (b ? 1 : 0);

/** The pirq a QEMU entry's message encodes, 0 if the guest never wrote one (the .pml's `q_msg`). */
function msgPirq(e: { addr_lo: number; addr_hi: number; data: number }): number {
  if (e.addr_lo === 0 && e.addr_hi === 0 && e.data === 0) return 0;
  if (e.data !== 0x4300) throw new Error(`projection: a message not composed by xen_msi_compose_msg (data 0x${e.data.toString(16)})`);
  const p = (e.addr_hi & 0xffffff00) | ((e.addr_lo >>> 12) & 0xff);
  if (p < PBASE || p >= PBASE + NP) throw new Error(`projection: message of pirq ${p}`);
  return p;
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/**
 * The Promela state vector of a world, as a string of integers in the .pml's declaration order. Throws on a
 * world the Promela model cannot represent (more irqs, ports or pirqs than its arrays hold, a changed constant).
 */
export function projectNvmeHvm(w: World, constants: string): string {
  if (constantPart(w) !== constants) throw new Error('projection: a field the projection leaves out as constant changed');
  const d = w.xen.domains[1]!;
  const g = w.guests[1]!;
  const q = w.qemu[1]!;
  const out: number[] = [];
  const push = (...xs: number[]) => out.push(...xs);
  for (const dev of range(NDEV)) push(num(w.hw[dev]!.msix.enable));
  for (const dev of range(NDEV)) push(num(w.hw[dev]!.msix.maskall));
  for (const dev of range(NDEV)) for (const e of range(NENT)) push(num(w.hw[dev]!.msix.entries[e]!.masked));
  for (const dev of range(NDEV)) for (const e of range(NENT)) push(w.hw[dev]!.msix.entries[e]!.xen_irq);
  for (const dev of range(NDEV)) push(w.xen.pdevs[dev]!.msix.used_entries);
  for (const dev of range(NDEV)) push(num(w.xen.pdevs[dev]!.msix.host_maskall));
  for (const dev of range(NDEV)) push(num(w.xen.pdevs[dev]!.msix.guest_maskall));
  for (const k of Object.keys(d.pirqs)) if (Number(k) < PBASE || Number(k) >= PBASE + NP) throw new Error(`projection: pirq ${k}`);
  const pirq = (i: number) => d.pirqs[PBASE + i];
  for (const i of range(NP)) push(pirq(i)?.irq ?? 0);
  for (const i of range(NP)) push(pirq(i)?.evtchn ?? 0);
  for (const i of range(NP)) push(pirq(i) && pirq(i)!.emuirq !== -1 ? 1 : 0);
  for (const i of range(NP)) {
    const dp = pirq(i)?.dpci;
    if (dp && dp.gvec !== 0) throw new Error('projection: a dpci binding with a vector');
    push(dp ? 1 : 0);
  }
  for (const k of Object.keys(d.irq_pirq)) if (Number(k) < XBASE || Number(k) >= XBASE + NX) throw new Error(`projection: irq_pirq of irq ${k}`);
  for (const i of range(NX)) push(d.irq_pirq[XBASE + i] ?? 0);
  for (const k of Object.keys(d.ports)) if (Number(k) < 1 || Number(k) >= NPORT) throw new Error(`projection: port ${k}`);
  for (const i of range(NPORT)) push(d.ports[i] ?? 0);
  for (const dev of range(NDEV)) push(d.msixtbl?.devices[dev]?.table_flags ?? 0);
  for (const k of Object.keys(w.xen.irqs)) if (Number(k) < XBASE || Number(k) >= XBASE + NX) throw new Error(`projection: Xen irq ${k}`);
  const xirq = (i: number) => w.xen.irqs[XBASE + i];
  for (const i of range(NX)) push(xirq(i) ? 1 : 0);
  for (const i of range(NX)) push(xirq(i)?.msi_desc ? 1 : 0);
  for (const i of range(NX)) push(xirq(i)?.msi_desc?.dev ?? 0);
  for (const i of range(NX)) push(xirq(i)?.msi_desc?.entry_nr ?? 0);
  for (const i of range(NX)) push(num(xirq(i)?.msi_desc?.host_masked ?? false));
  for (const i of range(NX)) push(num(xirq(i)?.msi_desc?.guest_masked ?? false));
  for (const i of range(NX)) {
    const gs = xirq(i)?.guests ?? [];
    if (gs.length > 1 || (gs.length === 1 && gs[0] !== 1)) throw new Error('projection: an irq bound to another domain');
    push(gs.length);
  }
  for (const dev of range(NDEV)) push(num(q.devices[dev]!.msix.enabled));
  for (const dev of range(NDEV)) push(num(q.devices[dev]!.msix.maskall));
  for (const dev of range(NDEV)) for (const e of range(NENT)) push(q.devices[dev]!.msix.msix_entry[e]!.pirq);
  for (const dev of range(NDEV)) for (const e of range(NENT)) push(msgPirq(q.devices[dev]!.msix.msix_entry[e]!));
  for (const dev of range(NDEV)) for (const e of range(NENT)) push(num(q.devices[dev]!.msix.msix_entry[e]!.updated));
  for (const k of Object.keys(g.irqs)) if (Number(k) < GBASE || Number(k) >= GBASE + NG) throw new Error(`projection: guest irq ${k}`);
  const girq = (i: number) => g.irqs[GBASE + i];
  for (const i of range(NG)) push(girq(i) ? 1 : 0);
  for (const i of range(NG)) push(girq(i)?.pirq ?? 0);
  for (const i of range(NG)) push(girq(i)?.dev ?? 0);
  for (const i of range(NG)) push(girq(i)?.entry ?? 0);
  for (const i of range(NG)) push(girq(i)?.evtchn ?? 0);
  for (const i of range(NG)) push(num(girq(i)?.requested ?? false));
  for (const i of range(NP)) push(g.pirq_to_irq[PBASE + i] ?? 0);
  for (const dev of range(NDEV)) push(num(g.devices[dev]!.msix_enabled));
  for (const dev of range(NDEV)) for (const e of range(NENT)) push(g.devices[dev]!.msi_list[e] ?? 0);
  for (const dev of range(NDEV)) push(STAGES.indexOf(g.devices[dev]!.driver.stage));
  for (const dev of range(NDEV)) push(g.devices[dev]!.driver.nvec);
  for (const dev of range(NDEV)) push(g.devices[dev]!.driver.next);
  return out.join(',');
}

export interface PerDepth {
  /** concrete[d]: pirqcheck's distinct concrete states (`--concrete`: the whole world but the last step's audit) first reached at depth d. */
  readonly concrete: number[];
  /** projected[d]: distinct projections first reached at depth d (none of the worlds within d - 1 steps has it). */
  readonly projected: number[];
  /** cumulative[d]: distinct projections within d steps (what SPIN's `pan -m<d>` stores). */
  readonly cumulative: number[];
}

/**
 * pirqcheck's concrete breadth-first exploration of a nvme-hvm configuration to `depth` (the model's own
 * initialWorld, enabledActions and apply, one world per concrete fingerprint, checker/fingerprint.ts, the identity
 * of `explore --concrete`), and per depth the number of projections not seen at a smaller depth. The projection is
 * of every concrete state, not of one representative per projection, so the count does not depend on the
 * projection being a bisimulation.
 */
export function projectedLevels(r: Resolved, depth: number): PerDepth {
  if (r.scenario.id !== 'nvme-hvm') throw new Error(`projection: only nvme-hvm is modelled in Promela, not ${r.scenario.id}`);
  const w0 = initialWorld(r.scenario);
  const constants = constantPart(w0);
  const seen = new Set<string>([worldFingerprint(w0)]);
  const proj = new Set<string>([projectNvmeHvm(w0, constants)]);
  const concrete = [1];
  const projected = [1];
  const cumulative = [1];
  let frontier = [w0];
  for (let d = 1; d <= depth; d++) {
    const next: World[] = [];
    let fresh = 0;
    for (const w of frontier) {
      for (const a of enabledActions(w, r.scenario)) {
        const x = apply(w, a, r, true).world;
        const key = worldFingerprint(x);
        if (seen.has(key)) continue;
        seen.add(key);
        next.push(x);
        const pk = projectNvmeHvm(x, constants);
        if (!proj.has(pk)) {
          proj.add(pk);
          fresh++;
        }
      }
    }
    concrete.push(next.length);
    projected.push(fresh);
    cumulative.push(proj.size);
    frontier = next;
  }
  return { concrete, projected, cumulative };
}
