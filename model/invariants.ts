/**
 * Named claims over the world. Each reads the world only and returns evidence (which pirq, which device,
 * which fields disagree) or undefined. Reference section D numbers are given as `ref`.
 */
import type { World } from './world.ts';
import { IRQ_UNBOUND, XEN_PT_UNASSIGNED_PIRQ } from './types.ts';
import { deliver, isFreePirq, pirqInfo } from './components/xen.ts';
import { shortBdf } from './components/device.ts';
import { intKeys, keyMemory } from './int-keys.ts';

export interface Evidence {
  /** One or two sentences naming the pirq, device, entry and the fields that disagree. */
  readonly text: string;
  /** The same facts as data. */
  readonly facts: Readonly<Record<string, unknown>>;
}

/**
 * What a violation means for a user. A `failure` is seen: an interrupt lost or misrouted, a probe, bind or
 * hypercall that fails, a crash, an error a log shows. A `hazard` is a disagreement between components'
 * bookkeeping that nothing observes yet; `leadsTo` names the failures it can turn into.
 */
export type InvariantKind = 'failure' | 'hazard';

export interface Invariant {
  readonly name: string;
  readonly doc: string;
  readonly kind: InvariantKind;
  /** One sentence from the real code (path:function @tag) saying why this is the kind it is. */
  readonly why: string;
  /**
   * For a hazard: the failure(s) it can lead to and the counterexample that shows it (a corpus trace or the
   * matrix row and command), or why none exists in the model.
   */
  readonly leadsTo?: string;
  /** Reference section D item(s). */
  readonly ref: string;
  readonly check: (w: World) => Evidence | undefined;
  /**
   * The check reads the last step's `audit` (what the step's hypercalls returned): its verdict belongs to the
   * transition, not to the state, so the explorer checks it on every successor. Any other invariant is a
   * function of the state, the same on every world of one state class (docs/performance.md, "State identity"),
   * and the explorer does not check it again on a successor whose class it has met before.
   */
  readonly transition?: true;
}

function devName(w: World, dev: number): string {
  return shortBdf(w.hw[dev]?.bdf ?? `dev${dev}`);
}

function vecName(w: World, dev: number, entry: number, msix: boolean): string {
  return msix ? `${devName(w, dev)} MSI-X entry ${entry}` : `${devName(w, dev)} MSI`;
}

/** Who holds each pirq of a domain: guest irq_info records, QEMU entries, Xen msi_descs. */
function holders(w: World, domid: number): Map<number, Map<string, string[]>> {
  const out = new Map<number, Map<string, string[]>>();
  const add = (p: number, vec: string, who: string) => {
    let m = out.get(p);
    if (!m) out.set(p, (m = new Map()));
    const l = m.get(vec) ?? [];
    l.push(who);
    m.set(vec, l);
  };
  const g = w.guests[domid];
  if (g) for (const i of Object.values(g.irqs)) add(i.pirq, vecName(w, i.dev, i.entry, i.msix), `guest irq ${i.irq}`);
  const q = w.qemu[domid];
  if (q?.alive) {
    for (const devS of intKeys(q.devices)) {
      const d = q.devices[devS]!;
      const dev = Number(devS);
      d.msix.msix_entry.forEach((e, k) => {
        if (e.pirq !== XEN_PT_UNASSIGNED_PIRQ) add(e.pirq, vecName(w, dev, k, true), `XenPTMSIXEntry[${k}].pirq`);
      });
      if (d.msi.pirq !== XEN_PT_UNASSIGNED_PIRQ) add(d.msi.pirq, vecName(w, dev, 0, false), 'XenPTMSI.pirq');
    }
  }
  const d = w.xen.domains[domid];
  if (d) {
    for (const pS of intKeys(d.pirqs)) {
      const info = d.pirqs[pS]!;
      const md = info.irq > 0 ? w.xen.irqs[info.irq]?.msi_desc : undefined;
      if (md) add(Number(pS), vecName(w, md.dev, md.entry_nr, md.msix), `Xen msi_desc of irq ${info.irq}`);
    }
  }
  return out;
}

/**
 * Whether some pirq of the domain is held for two different vectors by (device, MSI-X entry or MSI): the same
 * walk as `holders` without building names. Vectors with different names differ here too, so when this is
 * false `holders` finds no pirq with two vectors either; it only spares the names on the common path.
 */
function mayHaveSharedPirq(w: World, domid: number): boolean {
  // (pirq, vector) pairs met so far; a domain has a handful of holders, so a linear scan is cheapest.
  const ps = HOLDER_PIRQS;
  const vs = HOLDER_VECS;
  let n = 0;
  const g = w.guests[domid];
  if (g) {
    for (const k of intKeys(g.irqs)) {
      const i = g.irqs[k]!;
      const v = i.msix ? i.dev * 65536 + i.entry * 2 + 1 : i.dev * 65536;
      for (let j = 0; j < n; j++) if (ps[j] === i.pirq && vs[j] !== v) return true;
      if (n < ps.length) (ps[n] = i.pirq), (vs[n++] = v);
      else return true; // more holders than the scratch space: let the exact check decide
    }
  }
  const q = w.qemu[domid];
  if (q?.alive) {
    for (const devS of intKeys(q.devices)) {
      const d = q.devices[devS]!;
      const dev = Number(devS);
      const es = d.msix.msix_entry;
      for (let k = 0; k <= es.length; k++) {
        const p = k < es.length ? es[k]!.pirq : d.msi.pirq;
        if (p === XEN_PT_UNASSIGNED_PIRQ) continue;
        const v = k < es.length ? dev * 65536 + k * 2 + 1 : dev * 65536;
        for (let j = 0; j < n; j++) if (ps[j] === p && vs[j] !== v) return true;
        if (n < ps.length) (ps[n] = p), (vs[n++] = v);
        else return true;
      }
    }
  }
  const d = w.xen.domains[domid];
  if (d) {
    for (const pS of intKeys(d.pirqs)) {
      const info = d.pirqs[pS]!;
      const md = info.irq > 0 ? w.xen.irqs[info.irq]?.msi_desc : undefined;
      if (!md) continue;
      const p = Number(pS);
      const v = md.msix ? md.dev * 65536 + md.entry_nr * 2 + 1 : md.dev * 65536;
      for (let j = 0; j < n; j++) if (ps[j] === p && vs[j] !== v) return true;
      if (n < ps.length) (ps[n] = p), (vs[n++] = v);
      else return true;
    }
  }
  return false;
}
const HOLDER_PIRQS = new Float64Array(256);
const HOLDER_VECS = new Float64Array(256);

const pirqSingleOwner: Invariant = {
  name: 'pirq-single-owner',
  doc: 'No pirq of a domain is held for two different vectors, counting guest irqs, QEMU entries and Xen msi_descs together.',
  ref: 'D.3, D.6',
  kind: 'hazard',
  why: "xen/arch/x86/irq.c:map_domain_pirq @RELEASE-4.12.0 and QEMU's hw/xen/xen_pt_msi.c:msi_msix_setup @qemu-xen-4.12.0 keep their own records without checking the other holder, so two vectors on one pirq fail nothing until one of them unmaps or rebinds it, which the other's driver then sees as a lost interrupt.",
  leadsTo: "enabled-vector-delivers and guest-xen-agree: in seed 001 case 3 (nvme-hvm, guest reuse-pirq, QEMU unmap-on-disable) the shared pirq (6 steps) becomes a lost interrupt two steps later, counterexamples/nvme-hvm--reuse-pirq--unmap-on-disable--4.12--pvops-7681f31e--libxl--enabled-vector-delivers.json (8 steps).",
  check(w) {
    for (const domid of intKeys(w.xen.domains)) {
      if (!mayHaveSharedPirq(w, domid)) continue;
      for (const [p, vecs] of holders(w, domid)) {
        if (vecs.size > 1) {
          const parts = [...vecs].map(([vec, who]) => `${vec} (${who.join(', ')})`);
          return {
            text: `dom${domid} pirq ${p} is held for ${vecs.size} vectors: ${parts.join('; ')}.`,
            facts: { domid, pirq: p, holders: Object.fromEntries(vecs) },
          };
        }
      }
    }
    return undefined;
  },
};

const mapSuccessMeansMapped: Invariant = {
  name: 'map-success-means-mapped',
  transition: true,
  doc: 'A PHYSDEVOP_map_pirq that returns success with pirq p leaves p mapped to the requested device vector.',
  ref: 'D.2',
  kind: 'hazard',
  why: "xen/arch/x86/irq.c:map_domain_pirq @RELEASE-4.12.0 reports the conflict with a dprintk that release builds drop and returns 0, so neither QEMU nor the guest sees anything until the pirq they bind is wired to another vector.",
  leadsTo: "enabled-vector-delivers: in MSI mode QEMU binds the pirq Xen silently did not map, counterexamples/nvme-msi-hvm--reuse-pirq--unmap-on-disable--4.12--pvops-7681f31e--libxl--enabled-vector-delivers.json (7 steps; the silent success is at step 6).",
  check(w) {
    for (const a of w.audit) {
      if (a.kind !== 'map_pirq' || a.rc !== 0) continue;
      const o = a.observed;
      if (!o || o.dev !== a.dev || o.entry !== a.entry || o.msix !== a.msix) {
        const d = w.xen.domains[a.domid];
        const irq = d ? pirqInfo(d, a.pirq).irq : 0;
        return {
          text: `PHYSDEVOP_map_pirq(dom${a.domid}, pirq=${a.requested}, ${vecName(w, a.dev, a.entry, a.msix)}) returned 0 with pirq ${a.pirq}, but Xen maps pirq ${a.pirq} ${o ? `to ${vecName(w, o.dev, o.entry, o.msix)} (irq ${irq})` : 'to nothing'}.`,
          facts: { call: a, xenMapsTo: o, irq },
        };
      }
    }
    return undefined;
  },
};

/** qemu-xen-agree's first half for one QEMU record: Xen maps pirq p of the domain to (dev, entry, msix). */
function qemuPirqMapped(w: World, q: World['qemu'][number], d: World['xen']['domains'][number], p: number, dev: number, entry: number, msix: boolean): Evidence | undefined {
  const irq = pirqInfo(d, p).irq;
  const md = irq > 0 ? w.xen.irqs[irq]?.msi_desc : undefined;
  if (md && md.dev === dev && md.entry_nr === entry && md.msix === msix) return undefined;
  const field = msix ? `XenPTMSIXEntry[${entry}].pirq` : 'XenPTMSI.pirq';
  return {
    text: `QEMU ${field} = ${p} for ${vecName(w, dev, entry, msix)}, but Xen maps dom${q.domid} pirq ${p} ${md ? `to ${vecName(w, md.dev, md.entry_nr, md.msix)} (irq ${irq})` : `to nothing (arch.irq ${irq})`}.`,
    facts: { domid: q.domid, pirq: p, qemu: { dev, entry, msix }, xen: md ? { irq, dev: md.dev, entry: md.entry_nr, msix: md.msix } : { irq } },
  };
}

const qemuXenAgree: Invariant = {
  name: 'qemu-xen-agree',
  doc: 'Every pirq QEMU records for a vector is mapped by Xen to that vector, and every MSI pirq Xen maps for a device QEMU manages is the one QEMU records for it.',
  ref: 'D.4',
  kind: 'hazard',
  why: "hw/xen/xen_pt_msi.c:msi_msix_update @qemu-xen-4.12.0 trusts XenPTMSIXEntry.pirq without asking Xen, so a record Xen contradicts fails nothing until QEMU binds or unmaps by it and hits another vector.",
  leadsTo: "enabled-vector-delivers: the same row as map-success-means-mapped, counterexamples/nvme-msi-hvm--reuse-pirq--unmap-on-disable--4.12--pvops-7681f31e--libxl--enabled-vector-delivers.json (7 steps).",
  check(w) {
    for (const qS of intKeys(w.qemu)) {
      const q = w.qemu[qS]!;
      if (!q.alive) continue;
      const d = w.xen.domains[q.domid];
      if (!d) continue;
      for (const devS of intKeys(q.devices)) {
        const dv = q.devices[devS]!;
        const dev = Number(devS);
        for (let k = 0; k < dv.msix.msix_entry.length; k++) {
          const e = dv.msix.msix_entry[k];
          if (e && e.pirq !== XEN_PT_UNASSIGNED_PIRQ) {
            const ev = qemuPirqMapped(w, q, d, e.pirq, dev, k, true);
            if (ev) return ev;
          }
        }
        if (dv.msi.mapped && dv.msi.pirq !== XEN_PT_UNASSIGNED_PIRQ) {
          const ev = qemuPirqMapped(w, q, d, dv.msi.pirq, dev, 0, false);
          if (ev) return ev;
        }
      }
      for (const pS of intKeys(d.pirqs)) {
        const info = d.pirqs[pS]!;
        const md = info.irq > 0 ? w.xen.irqs[info.irq]?.msi_desc : undefined;
        if (!md) continue;
        const dv = q.devices[md.dev];
        if (!dv) continue;
        const p = Number(pS);
        const qp = md.msix ? dv.msix.msix_entry[md.entry_nr]?.pirq : dv.msi.pirq;
        if (qp !== p) {
          return {
            text: `Xen maps dom${q.domid} pirq ${p} (irq ${info.irq}) to ${vecName(w, md.dev, md.entry_nr, md.msix)}, but QEMU records pirq ${qp === XEN_PT_UNASSIGNED_PIRQ ? 'XEN_PT_UNASSIGNED_PIRQ' : qp} for it: nobody will unmap it.`,
            facts: { domid: q.domid, pirq: p, irq: info.irq, dev: md.dev, entry: md.entry_nr, qemuPirq: qp },
          };
        }
      }
    }
    return undefined;
  },
};

/** Live guest irqs whose vector the guest enabled and whose irq a driver requested, on a device the domain owns. */
function activeGuestIrqs(w: World) {
  const out: { domid: number; irq: number; pirq: number; dev: number; entry: number; msix: boolean; evtchn: number }[] = [];
  for (const gk of intKeys(w.guests)) {
    const g = w.guests[gk]!;
    for (const ik of intKeys(g.irqs)) {
      const i = g.irqs[ik]!;
      const d = g.devices[i.dev];
      if (!d || !i.requested) continue;
      // A device removed from the domain behind the guest's back (forced hot-unplug) delivers nothing by design.
      if (w.xen.pdevs[i.dev]?.domain !== g.domid) continue;
      if (i.msix ? !d.msix_enabled : !d.msi_enabled) continue;
      out.push({ domid: g.domid, irq: i.irq, pirq: i.pirq, dev: i.dev, entry: i.entry, msix: i.msix, evtchn: i.evtchn });
    }
  }
  return out;
}

const guestXenAgree: Invariant = {
  name: 'guest-xen-agree',
  doc: 'For every vector the guest enabled and requested, Xen maps the guest irq\'s pirq to that vector with a MAPPED dpci binding and the guest\'s event channel.',
  ref: 'D.5',
  kind: 'failure',
  why: "The guest requested an irq whose pirq Xen does not route from that vector (xen/drivers/passthrough/io.c:hvm_dirq_assist @RELEASE-4.12.0 sends to the pirq's own event channel), so the driver's interrupts are lost or arrive on another irq, and a failed bind is logged by drivers/xen/events/events_base.c:startup_pirq @v4.19 as \"Failed to obtain physical IRQ %d\".",
  check(w) {
    for (const a of activeGuestIrqs(w)) {
      const d = w.xen.domains[a.domid];
      if (!d) continue;
      const info = pirqInfo(d, a.pirq);
      const md = info.irq > 0 ? w.xen.irqs[info.irq]?.msi_desc : undefined;
      let why: string | undefined;
      if (!md) why = `Xen has pirq ${a.pirq} ${info.irq === -1 ? 'only reserved (PIRQ_ALLOCATED)' : info.irq === 0 ? 'unmapped' : `at arch.irq ${info.irq}`}`;
      else if (md.dev !== a.dev || md.entry_nr !== a.entry || md.msix !== a.msix) why = `Xen maps pirq ${a.pirq} to ${vecName(w, md.dev, md.entry_nr, md.msix)}`;
      else if (d.hvm && !info.dpci) why = `pirq ${a.pirq} has no MAPPED dpci binding`;
      else if (a.evtchn === 0) why = `the guest irq has no event channel (EVTCHNOP_bind_pirq failed)`;
      else if (info.evtchn !== a.evtchn) why = `Xen's pirq ${a.pirq} evtchn is ${info.evtchn}, the guest's is ${a.evtchn}`;
      if (why) {
        const vec = vecName(w, a.dev, a.entry, a.msix);
        return {
          text: `guest irq ${a.irq} of dom${a.domid} (${vec}) uses pirq ${a.pirq}, but ${why}.`,
          facts: { ...a, xen: { irq: info.irq, evtchn: info.evtchn, emuirq: info.emuirq, dpci: info.dpci, msi_desc: md ?? null } },
        };
      }
    }
    return undefined;
  },
};

/**
 * The native-path half of enabled-vector-delivers: a requested irq of the x86 PCI/MSI irqdomain on an enabled
 * device the domain owns must be reachable as a vMSI carrying the irq's vector (hvm_dirq_assist ->
 * vmsi_deliver_pirq with the gvec QEMU bound).
 */
function nativeVectorDelivers(w: World): Evidence | undefined {
  for (const gk of intKeys(w.guests)) {
    const g = w.guests[gk]!;
    if (!g.native_irqs) continue;
    for (const ik of intKeys(g.native_irqs)) {
      const i = g.native_irqs[ik]!;
      const d = g.devices[i.dev];
      if (!d || !i.requested || w.xen.pdevs[i.dev]?.domain !== g.domid) continue;
      if (i.msix ? !d.msix_enabled : !d.msi_enabled) continue;
      const r = deliver(w.xen, w.hw[i.dev], i.dev, i.entry, i.msix, true);
      const vec = vecName(w, i.dev, i.entry, i.msix);
      const want = `0x${i.vector.toString(16)}`;
      if (!r.ok) return { text: `an interrupt from ${vec} never reaches guest irq ${i.irq} of dom${g.domid} (vector ${want}, native MSI): ${r.why}.`, facts: { domid: g.domid, irq: i.irq, dev: i.dev, entry: i.entry, vector: i.vector, why: r.why } };
      if (r.domid !== g.domid || r.gvec !== i.vector) {
        return {
          text: `an interrupt from ${vec} reaches dom${r.domid} ${r.gvec === undefined ? `as an event on port ${r.port}` : `as vector 0x${r.gvec.toString(16)}`} (pirq ${r.pirq}), not guest irq ${i.irq} of dom${g.domid}, which uses vector ${want}.`,
          facts: { domid: g.domid, irq: i.irq, dev: i.dev, entry: i.entry, vector: i.vector, delivered: r },
        };
      }
    }
  }
  return undefined;
}

const enabledVectorDelivers: Invariant = {
  name: 'enabled-vector-delivers',
  doc: 'Every vector the guest enabled, unmasked and requested can deliver an interrupt to that guest irq: to its event channel on the pirq path, as a vMSI with its vector on the native path.',
  ref: 'D.8',
  kind: 'failure',
  why: "The interrupt the device raises never reaches the driver's handler (xen/drivers/passthrough/io.c:hvm_dirq_assist @RELEASE-4.12.0 is never reached, or sends to another port), so the driver times out: NVMe logs \"I/O timeout\" and disables the controller.",
  check(w) {
    const nat = nativeVectorDelivers(w);
    if (nat) return nat;
    for (const a of activeGuestIrqs(w)) {
      const r = deliver(w.xen, w.hw[a.dev], a.dev, a.entry, a.msix);
      if (!r.ok) {
        const vec = vecName(w, a.dev, a.entry, a.msix);
        return { text: `an interrupt from ${vec} never reaches guest irq ${a.irq} of dom${a.domid} (pirq ${a.pirq}): ${r.why}.`, facts: { ...a, why: r.why } };
      }
      if (r.domid !== a.domid || r.port !== a.evtchn || a.evtchn === 0) {
        const vec = vecName(w, a.dev, a.entry, a.msix);
        return {
          text: `an interrupt from ${vec} is delivered to dom${r.domid} pirq ${r.pirq} port ${r.port}, not to guest irq ${a.irq} (pirq ${a.pirq}, port ${a.evtchn}).`,
          facts: { ...a, delivered: r },
        };
      }
    }
    return undefined;
  },
};

const freePirqHasNoEvtchn: Invariant = {
  name: 'free-pirq-has-no-evtchn',
  doc: 'A pirq Xen considers free (is_free_pirq) has no event channel bound to it.',
  ref: 'D.19',
  kind: 'hazard',
  why: "xen/arch/x86/irq.c:get_free_pirq @RELEASE-4.12.0 does not look at pirq->evtchn, so a free pirq with a bound port fails nothing until it is handed out again and the next EVTCHNOP_bind_pirq on it gets -EEXIST.",
  leadsTo: "guest-xen-agree (EVTCHNOP_bind_pirq -EEXIST, \"Failed to obtain physical IRQ\") once get_free_pirq hands the pirq to another vector of the same domain; no counterexample in the model: where it occurs after a forced hot-unplug (chao-v6, chao-v6-esrch, unbind-before-reset in reboot-hvm and handover-hvm) the domain has one device and it is never added back to it, and in nvme-msi-hvm case 3 the row's failures come first (enabled-vector-delivers, 7 steps).",
  check(w) {
    for (const domS of intKeys(w.xen.domains)) {
      const d = w.xen.domains[domS]!;
      for (const pS of intKeys(d.pirqs)) {
        const info = d.pirqs[pS]!;
        if (info.evtchn === 0) continue;
        const p = Number(pS);
        if (isFreePirq(d, p)) {
          return {
            text: `dom${d.domid} pirq ${p} is free (arch.irq 0${d.hvm ? ', emuirq IRQ_UNBOUND' : ''}) but still has event channel port ${info.evtchn}: get_free_pirq can hand it out and the next EVTCHNOP_bind_pirq on it gets -EEXIST.`,
            facts: { domid: d.domid, pirq: p, evtchn: info.evtchn, emuirq: info.emuirq === IRQ_UNBOUND ? 'IRQ_UNBOUND' : info.emuirq },
          };
        }
      }
    }
    return undefined;
  },
};

const noDuplicateGuestPirq: Invariant = {
  name: 'no-duplicate-guest-pirq',
  doc: 'No two live irqs of a guest are bound to the same pirq.',
  ref: 'D.6',
  kind: 'hazard',
  why: "drivers/xen/events/events_base.c:xen_bind_pirq_msi_to_irq @v4.10 reuses the live irq with only a dev_dbg (\"xen: msi already bound to pirq=%d\"), so nothing fails at that point; the two vectors then share one event channel and one of them loses its interrupts.",
  leadsTo: "enabled-vector-delivers: the same row as pirq-single-owner, counterexamples/nvme-hvm--reuse-pirq--unmap-on-disable--4.12--pvops-7681f31e--libxl--enabled-vector-delivers.json (8 steps; the duplicate is at step 6).",
  check(w) {
    for (const gk of intKeys(w.guests)) {
      const g = w.guests[gk]!;
      const seen = new Map<number, number>();
      for (const ik of intKeys(g.irqs)) {
        const i = g.irqs[ik]!;
        const other = seen.get(i.pirq);
        if (other !== undefined) {
          const o = g.irqs[other];
          return {
            text: `dom${g.domid} guest irqs ${other} (${o ? vecName(w, o.dev, o.entry, o.msix) : '?'}) and ${i.irq} (${vecName(w, i.dev, i.entry, i.msix)}) are both bound to pirq ${i.pirq}.`,
            facts: { domid: g.domid, pirq: i.pirq, irqs: [other, i.irq] },
          };
        }
        seen.set(i.pirq, i.irq);
      }
    }
    return undefined;
  },
};

const cachedPirqIsHint: Invariant = {
  name: 'cached-pirq-is-hint',
  transition: true,
  doc: 'The guest reuses a pirq cached in a vector\'s message only if Xen still maps that pirq to the same vector.',
  ref: 'D.7',
  kind: 'hazard',
  why: "arch/x86/pci/xen.c:xen_hvm_setup_msi_irqs @v4.10 reuses the pirq read back from the MSI message without asking Xen and prints nothing, so the stale reuse is only bookkeeping until the vector turns out to be wired to another device's pirq.",
  leadsTo: "enabled-vector-delivers: counterexamples/nvme-hvm--reuse-pirq-live--unmap-on-disable--4.12--pvops-7681f31e--libxl--enabled-vector-delivers.json (9 steps; the stale reuse is at step 7, seed 000's NVMe story).",
  check(w) {
    for (const a of w.audit) {
      if (a.kind !== 'guest_reuse') continue;
      const d = w.xen.domains[a.domid];
      if (!d) continue;
      const irq = pirqInfo(d, a.pirq).irq;
      const md = irq > 0 ? w.xen.irqs[irq]?.msi_desc : undefined;
      const dev = w.guests[a.domid]?.devices[a.dev];
      const msix = dev?.mode !== 'msi';
      if (!md || md.dev !== a.dev || md.entry_nr !== a.entry || md.msix !== msix) {
        return {
          text: `the guest reused pirq ${a.pirq} cached in ${vecName(w, a.dev, a.entry, msix)}'s message without allocating, but Xen maps pirq ${a.pirq} ${md ? `to ${vecName(w, md.dev, md.entry_nr, md.msix)}` : `to nothing (arch.irq ${irq})`}.`,
          facts: { reuse: a, xen: md ? { irq, dev: md.dev, entry: md.entry_nr } : { irq } },
        };
      }
    }
    return undefined;
  },
};

const noLeakedIrq: Invariant = {
  name: 'no-leaked-irq',
  doc: 'Every irq Xen created for an MSI map is either set up for a vector or destroyed again.',
  ref: 'D.2 (the leaked irq of allocate_and_map_msi_pirq)',
  kind: 'hazard',
  why: "An irq created by xen/arch/x86/irq.c:create_irq @RELEASE-4.12.0 and never set up or destroyed costs one dynamic irq and prints nothing; only when they run out does a map fail with \"can't create irq for msi!\".",
  leadsTo: "a map failing with \"can't create irq for msi!\" once the dynamic irqs run out; none in the model: the scenarios have nr_irqs - nr_irqs_gsi = 64 dynamic irqs and every leak takes a driver enable/disable cycle, far beyond the 40-step runs and the explored depth.",
  check(w) {
    for (const irqS of intKeys(w.xen.irqs)) {
      const desc = w.xen.irqs[irqS]!;
      if (!desc.msi_desc) {
        return {
          text: `Xen irq ${irqS} was created by PHYSDEVOP_map_pirq, which returned success without mapping it; nothing will ever destroy it.`,
          facts: { irq: Number(irqS) },
        };
      }
    }
    return undefined;
  },
};

/* ------------------------------------------------------------------------------------------------ */
/* Domain lifecycle, dom0/pciback, MSI-X mask state (seeds 002-004)                                  */

const pvVectorsBound: Invariant = {
  name: 'pv-vectors-bound',
  doc: 'Every MSI-X vector a running PV guest enabled through pcifront has an event channel bound to a pirq Xen maps to that vector.',
  ref: 'D.5 (PV), E.2 step 8',
  kind: 'failure',
  why: "When EVTCHNOP_bind_pirq fails, the PV guest's startup_pirq (drivers/xen/core/evtchn.c @2.6.18-xen, drivers/xen/events/events_base.c @v4.19) logs \"Failed to obtain physical IRQ %d\" and the vector never interrupts: seed 002's igbvf never gets its link up.",
  check(w) {
    for (const gk of intKeys(w.pv)) {
      const g = w.pv[gk]!;
      const d = w.xen.domains[g.domid];
      if (!d) continue;
      for (const devS of intKeys(g.devices)) {
        const pd = g.devices[devS]!;
        if (pd.stage !== 'running') continue;
        for (const v of pd.vectors) {
          const info = pirqInfo(d, v.pirq);
          const md = info.irq > 0 ? w.xen.irqs[info.irq]?.msi_desc : undefined;
          if (v.evtchn === 0 || !md || md.dev !== Number(devS) || md.entry_nr !== v.entry) {
            return {
              text: `dom${g.domid} got pirq ${v.pirq} for ${vecName(w, Number(devS), v.entry, true)} from pciback, but ${v.evtchn === 0 ? 'EVTCHNOP_bind_pirq failed' : 'Xen does not map it to that vector'} (Xen arch.irq ${info.irq}).`,
              facts: { domid: g.domid, dev: Number(devS), entry: v.entry, pirq: v.pirq, evtchn: v.evtchn, xenIrq: info.irq },
            };
          }
        }
      }
    }
    return undefined;
  },
};

const dom0NoStaleMsixEntries: Invariant = {
  name: 'dom0-no-stale-msix-entries',
  doc: 'Every (pirq, entry) dom0 holds for a device is mapped by Xen, for the device\'s current owner, to that device entry.',
  ref: 'D.9 (I9)',
  kind: 'hazard',
  why: "drivers/pci/msi-xen.c:msix_capability_init @RHEL5 consults dom0's msi_dev list only at the next enable, so a stale (pirq, entry) pair fails nothing until then; the next guest's enable reuses it without a hypercall and its bind fails.",
  leadsTo: "pv-vectors-bound: seed 002's next boot reuses the stale entries without a hypercall and \"Failed to obtain physical IRQ\", counterexamples/igbvf-pv--fresh-pirq--unmap-on-disable--xen-3.4--xen-2.6.18--libxl--pv-vectors-bound.json (7 steps).",
  check(w) {
    for (const devS of intKeys(w.dom0.devices)) {
      const d = w.dom0.devices[devS]!;
      const dev = Number(devS);
      for (const e of d.msi_dev) {
        const owner = d.owner;
        const dom = owner === null ? undefined : w.xen.domains[owner];
        const irq = dom ? pirqInfo(dom, e.pirq).irq : 0;
        const md = irq > 0 ? w.xen.irqs[irq]?.msi_desc : undefined;
        if (!md || md.dev !== dev || md.entry_nr !== e.entry_nr) {
          return {
            text: `dom0 lists pirq ${e.pirq} for ${vecName(w, dev, e.entry_nr, true)} (mapped for dom${e.domid}), but ${owner === null ? 'the device has no owner' : `Xen maps dom${owner} pirq ${e.pirq} ${md ? `to ${vecName(w, md.dev, md.entry_nr, md.msix)}` : 'to nothing'}`}.`,
            facts: { dev, entry: e, owner, xenIrq: irq },
          };
        }
      }
    }
    return undefined;
  },
};

const dom0FlagMatchesHoldings: Invariant = {
  name: 'dom0-flag-matches-holdings',
  doc: 'dom0\'s dev->msix_enabled is set exactly when dom0 holds MSI-X pirqs for the device.',
  ref: 'D.10 (I10)',
  kind: 'hazard',
  why: "dev->msix_enabled is read only by dom0's next pci_disable_msix or enable (drivers/pci/msi-xen.c @RHEL5), so a flag that disagrees with the list fails nothing until the list is never unmapped and the next owner's enable reuses it.",
  leadsTo: "pv-vectors-bound: counterexamples/igbvf-pv--fresh-pirq--unmap-on-disable--xen-3.4--xen-2.6.18--libxl--pv-vectors-bound.json (7 steps; the flag is cleared at step 4 by igbvf_shutdown's command_write). With the prune proposal (xen-2.6.18-prune) no failure follows: its row is a hazard, proved over the complete graph.",
  check(w) {
    for (const devS of intKeys(w.dom0.devices)) {
      const d = w.dom0.devices[devS]!;
      if (d.msix_enabled !== d.msi_dev.length > 0) {
        return {
          text: `dom0 has dev->msix_enabled = ${+d.msix_enabled} for ${devName(w, Number(devS))} but holds ${d.msi_dev.length} MSI-X pirq(s)${d.msi_dev.length ? ` (${d.msi_dev.map((e) => e.pirq).join(', ')})` : ''}: pci_disable_msix will ${d.msix_enabled ? 'unmap nothing' : 'return early and never unmap them'}.`,
          facts: { dev: Number(devS), msix_enabled: d.msix_enabled, held: d.msi_dev },
        };
      }
    }
    return undefined;
  },
};

const noStalePirqAfterDestroy: Invariant = {
  name: 'no-stale-pirq-after-destroy',
  doc: 'Once a domain is destroyed, no Xen irq is bound to it and dom0 holds no pirq mapped for it.',
  ref: 'D.17 (I17)',
  kind: 'hazard',
  why: "A destroyed domain's pirq that Xen or dom0 still records belongs to nobody who could use it, so nothing fails at destruction; it matters when the next owner's enable meets dom0's stale list (drivers/pci/msi-xen.c:msix_capability_init @RHEL5).",
  leadsTo: "pv-vectors-bound: counterexamples/igbvf-pv--fresh-pirq--unmap-on-disable--xen-3.4--xen-2.6.18--libxl--pv-vectors-bound.json (7 steps; dom0 still lists dom1's pirqs after step 5, the destroy).",
  check(w) {
    for (const irqS of intKeys(w.xen.irqs)) {
      const desc = w.xen.irqs[irqS]!;
      for (const g of desc.guests) {
        if (!w.xen.domains[g]) return { text: `Xen irq ${irqS} is still bound to dom${g}, which is destroyed.`, facts: { irq: Number(irqS), domid: g } };
      }
    }
    for (const devS of intKeys(w.dom0.devices)) {
      const d = w.dom0.devices[devS]!;
      for (const e of d.msi_dev) {
        if (!w.xen.domains[e.domid]) {
          return {
            text: `dom0 still lists pirq ${e.pirq} (entry ${e.entry_nr}) of ${devName(w, Number(devS))} mapped for dom${e.domid}, which is destroyed.`,
            facts: { dev: Number(devS), entry: e },
          };
        }
      }
    }
    return undefined;
  },
};

const maskallClearAfterAssign: Invariant = {
  name: 'maskall-clear-after-assign',
  transition: true,
  doc: 'After libxl resets a device and assigns it successfully to a new domain, MSI-X MASKALL in hardware and Xen\'s host_maskall are clear.',
  ref: 'D.13 (I13)',
  kind: 'hazard',
  why: "xc_assign_device succeeded and the new guest has enabled nothing yet; the carried-over host_maskall is seen only when that guest enables MSI-X and xen/arch/x86/msi.c:pci_msi_conf_write_intercept @RELEASE-4.12.0 forces MASKALL on, so its vector never delivers.",
  leadsTo: "enabled-vector-delivers: the rebooted guest's vector stays masked (seeds 003/004), in reboot-hvm with dom0 pvops and Xen 4.12, 9 steps, found by exploration only (`pirqcheck explore --scenario reboot-hvm --dom0 pvops --xen 4.12 --invariant enabled-vector-delivers --depth 60`; pinned in properties/lifecycle.property.test.ts). For a PV guest (igbvf-pv) none: dom0's map is the first user of the table and msix_capability_init clears host_maskall.",
  check(w) {
    for (const a of w.audit) {
      if (a.kind !== 'device_added' || a.rc !== 0) continue;
      if (a.host_maskall || a.hw_maskall) {
        return {
          text: `${devName(w, a.dev)} was reset and assigned to dom${a.domid}${a.previous >= 0 ? ` (previously dom${a.previous})` : ''}, but host_maskall = ${+a.host_maskall} and hardware MASKALL = ${+a.hw_maskall}: every MSI-X enable by the new guest is forced masked.`,
          facts: { ...a },
        };
      }
    }
    return undefined;
  },
};

const noCarriedOverMask: Invariant = {
  name: 'no-carried-over-mask',
  doc: 'A device owned by a live domain that has no vector of it set up carries no host_maskall from an earlier owner (guest_maskall is the current owner\'s own last write and is not judged).',
  ref: 'D.14 (I14)',
  kind: 'hazard',
  why: "host_maskall is applied only when the owner writes the MSI-X control word (xen/arch/x86/msi.c:pci_msi_conf_write_intercept @RELEASE-4.12.0), so a mask left by an earlier owner fails nothing until the new owner enables MSI-X and its vector stays masked.",
  leadsTo: "enabled-vector-delivers: the same 9-step path as maskall-clear-after-assign (reboot-hvm, pvops, Xen 4.12; `pirqcheck explore --scenario reboot-hvm --dom0 pvops --xen 4.12 --invariant enabled-vector-delivers --depth 60`).",
  check(w) {
    for (const devS of intKeys(w.xen.pdevs)) {
      const pdev = w.xen.pdevs[devS]!;
      const dev = Number(devS);
      const owner = pdev.domain;
      if (owner === 0 || !w.xen.domains[owner] || !pdev.msix.host_maskall) continue;
      const mapped = Object.values(w.xen.irqs).some((d) => d.msi_desc?.dev === dev);
      if (mapped) continue;
      {
        return {
          text: `${devName(w, dev)} belongs to dom${owner}, which has no vector of it set up, yet host_maskall = 1 (left from an earlier owner), so MASKALL stays forced on.`,
          facts: { dev, owner, ...pdev.msix },
        };
      }
    }
    return undefined;
  },
};

const noMaskWithoutDecoding: Invariant = {
  name: 'no-mask-without-decoding',
  transition: true,
  doc: 'Xen never has to mask an MSI-X vector while the device\'s memory decoding is off (which it does by setting MASKALL and host_maskall).',
  ref: 'D.11 (I11)',
  kind: 'hazard',
  why: "xen/arch/x86/msi.c:msi_set_mask_bit @RELEASE-4.12.0 still masks the vector, through MASKALL, and only prints a guest-level warning (\"cannot mask IRQ %d: masking MSI-X on ...\"); the harm is the host_maskall it leaves for the next owner.",
  leadsTo: "enabled-vector-delivers through the host_maskall it leaves (reboot-hvm, pvops, Xen 4.12, 9 steps by exploration, as maskall-clear-after-assign). With Xen 4.13 (575e18d54d clears the flags at assign) none follows: the reboot-hvm pvops/4.13 row is a hazard, proved over the complete graph.",
  check(w) {
    const a = w.audit.find((x) => x.kind === 'mask_without_decoding');
    if (a && a.kind === 'mask_without_decoding') {
      return {
        text: `${a.fn} had to mask irq ${a.irq} of ${devName(w, a.dev)} (owner dom${a.owner}) with memory decoding off: it set MASKALL and host_maskall instead.`,
        facts: { ...a },
      };
    }
    return undefined;
  },
};

const cleanHandover: Invariant = {
  name: 'clean-handover',
  transition: true,
  doc: 'When a device is reset or deassigned, Xen maps no MSI pirq of its old owner to it.',
  ref: 'D.12 (I12), B.5',
  kind: 'hazard',
  why: "drivers/pci/pci.c:pci_reset_function @v5.1 clears MSI-X ENABLE, so the old owner's still-mapped pirq cannot signal anyone after the reset; it matters only if the old owner's later teardown masks an entry someone else uses, or masks with decoding off.",
  leadsTo: "enabled-vector-delivers when the device gets a new owner before the old domain is destroyed: the old domain's pci_clean_dpci_irqs / free_domain_pirqs mask the entry the new owner now uses, in handover-hvm with Xen 4.13 and pciback 7681f31e, 11 steps, found by exploration (`pirqcheck explore --scenario handover-hvm --dom0 pvops-7681f31e --xen 4.13 --invariant enabled-vector-delivers --depth 60`; pinned in properties/lifecycle.property.test.ts); and in reboot-hvm with pvops on Xen 4.12 through the mask without decoding. With 7681f31e in reboot-hvm (the domain is destroyed before the device moves on) none follows: proved over the complete graph, on Xen 4.12 and 4.13.",
  check(w) {
    for (const a of w.audit) {
      if (a.kind !== 'handover' || a.mapped.length === 0) continue;
      return {
        text: `${devName(w, a.dev)} was ${a.at === 'reset' ? 'reset' : 'deassigned'} while Xen still mapped dom${a.from} pirq(s) ${a.mapped.map((m) => `${m.pirq} (entry ${m.entry})`).join(', ')} to it.`,
        facts: { ...a },
      };
    }
    return undefined;
  },
};

const hostMaskallNotGuestClearable: Invariant = {
  name: 'host-maskall-not-guest-clearable',
  transition: true,
  doc: 'A host_maskall Xen set is never cleared by a guest setting up an MSI-X vector (only by prepare_msix or the reset on assign).',
  ref: 'C (575e18d54d rationale)',
  kind: 'hazard',
  why: "xen/arch/x86/msi.c:msix_capability_init @RELEASE-4.12.0 clears host_maskall when used_entries is 0, which makes the guest's own vector work; what is lost is Xen's protective mask, which no user or log sees.",
  leadsTo: "none: clearing host_maskall makes the guest's own vector deliver, so no user sees a failure; what is lost is Xen's mask of a device it could not mask otherwise (igbvf-pv rows; a hazard for Xen's protection, not for the guest).",
  check(w) {
    for (const a of w.audit) {
      if (a.kind === 'host_maskall_cleared' && a.entry !== null) {
        return {
          text: `mapping entry ${a.entry} of ${devName(w, a.dev)} for dom${a.owner} cleared host_maskall in msix_capability_init (used_entries was 0): a guest can undo Xen's mask by enabling MSI-X.`,
          facts: { ...a },
        };
      }
    }
    return undefined;
  },
};

const usedEntriesAccounting: Invariant = {
  name: 'used-entries-accounting',
  doc: 'arch_msix used_entries equals the live MSI-X descriptors of the device plus one exactly while pciback holds the prepare_msix pseudo-entry (bound, its prepare succeeded, no release asked since).',
  ref: 'D.16 (I16), A.5',
  kind: 'hazard',
  why: "arch_msix used_entries is read only by the next PHYSDEVOP_prepare_msix / release_msix (xen/arch/x86/msi.c:pci_prepare_msix @RELEASE-4.12.0), so a wrong count fails nothing until pciback's next call gets -EBUSY.",
  leadsTo: "pciback-msix-calls-succeed: after a forced detach from a guest whose QEMU died, pciback's unbind gets -EBUSY from PHYSDEVOP_release_msix, \"MSI-X release failed (-16)\", counterexamples/handover-hvm--fresh-pirq--unmap-on-disable--4.13--pvops-7681f31e--libxl--pciback-msix-calls-succeed.json (7 steps).",
  check(w) {
    // Live MSI-X descriptors per device, in one pass over the irqs.
    const liveOf = new Map<number, number>();
    for (const irqS of intKeys(w.xen.irqs)) {
      const md = w.xen.irqs[irqS]!.msi_desc;
      if (md?.msix) liveOf.set(md.dev, (liveOf.get(md.dev) ?? 0) + 1);
    }
    for (const devS of intKeys(w.xen.pdevs)) {
      const pdev = w.xen.pdevs[devS]!;
      const dev = Number(devS);
      const live = liveOf.get(dev) ?? 0;
      const d0 = w.dom0.devices[dev];
      const pseudo = d0?.bound && d0.prepared ? 1 : 0;
      const used = pdev.msix.used_entries;
      if (used !== live + pseudo) {
        return {
          text: `${devName(w, dev)} has used_entries = ${used} but ${live} live MSI-X descriptor(s) and ${pseudo ? 'the' : 'no'} prepare_msix pseudo-entry held by pciback: ${used > live + pseudo ? 'the next PHYSDEVOP_prepare_msix gets -EBUSY and msix_capability_init never again clears host_maskall' : 'PHYSDEVOP_release_msix can drop a live descriptor\'s count'}.`,
          facts: { dev, used, live, pseudo },
        };
      }
    }
    return undefined;
  },
};

/**
 * Who can still release pirq p of live domain d, short of destroying d (which frees the whole pirq tree):
 * the paths of the real code that make a non-free pirq free again.
 */
function pirqReleaser(w: World, d: World['xen']['domains'][number], p: number): string | undefined {
  const info = pirqInfo(d, p);
  const q = w.qemu[d.domid];
  if (q?.alive) {
    // QEMU's PHYSDEVOP_unmap_pirq (at disable or xen_pt_destroy) clears emuirq and unmaps.
    for (const devS of intKeys(q.devices)) {
      const dv = q.devices[devS]!;
      if (dv.msi.pirq === p) return 'QEMU';
      const es = dv.msix.msix_entry;
      for (let k = 0; k < es.length; k++) if (es[k]!.pirq === p) return 'QEMU';
    }
  }
  for (const devS of intKeys(w.dom0.devices)) {
    const dv = w.dom0.devices[devS]!;
    // dom0's pci_disable_msix (pcifront disable, pciback reset) unmaps what it lists.
    if (!dv.msix_enabled) continue;
    const held = dv.msi_dev;
    for (let k = 0; k < held.length; k++) if (held[k]!.pirq === p && held[k]!.domid === d.domid) return 'dom0';
  }
  if (info.irq > 0) {
    const md = w.xen.irqs[info.irq]?.msi_desc;
    // Mapped for a device the domain still owns: deassign or destruction releases it.
    if (md && w.xen.pdevs[md.dev]?.domain === d.domid) return 'owner';
  }
  if (info.irq === -1 && w.guests[d.domid] && Object.values(w.guests[d.domid]!.irqs).some((i) => i.pirq === p)) {
    // Reserved by a guest inside pci_enable_msix: QEMU maps it at the ENABLE write that ends the enable; if
    // the device model is dead that write never completes and the vCPU is blocked for good, so the domain
    // can only be destroyed, like one that shut down.
    return 'QEMU map';
  }
  if (info.irq < -1 && !d.hvm && info.evtchn !== 0 && w.toolstack.domains[d.domid]?.state !== 'shutdown') {
    return 'guest evtchn close'; // PV evtchn_close -> pirq_guest_unbind frees a force-unbound pirq
  }
  return undefined;
}

const noStuckPirq: Invariant = {
  name: 'no-stuck-pirq',
  doc: 'Every pirq of a running domain that is not free (mapped, PIRQ_ALLOCATED, force-unbound, or an HVM emuirq still set) still has a component that will release it short of destroying the domain: a live QEMU or dom0 that records it, ownership of the device it is mapped to, a pending QEMU map, or a PV guest event channel whose close frees it.',
  ref: 'D.18 (I18)',
  kind: 'hazard',
  why: "A pirq nobody will release costs nothing while its domain runs and xen/arch/x86/irq.c:free_domain_pirqs @RELEASE-4.12.0 frees it at destruction; it shows only when the device moves on while the domain still runs.",
  leadsTo: "(i) pciback-msix-calls-succeed, \"MSI-X release failed (-16)\" at a later pciback unbind, counterexamples/handover-hvm--fresh-pirq--unmap-on-disable--4.13--pvops-7681f31e--libxl--pciback-msix-calls-succeed.json (7 steps); (ii) enabled-vector-delivers in the domain the device is given to next, whose entry the old domain's teardown masks (handover-hvm, Xen 4.13, pciback 7681f31e, 11 steps by exploration: `pirqcheck explore --scenario handover-hvm --dom0 pvops-7681f31e --xen 4.13 --invariant enabled-vector-delivers --depth 60`). In reboot-hvm none follows (proved over the complete graph): the stuck pirq's domain is destroyed before the device moves on.",
  check(w) {
    for (const domS of intKeys(w.xen.domains)) {
      const d = w.xen.domains[domS]!;
      // A domain that shut down or crashed is waiting for libxl to destroy it (on_poweroff/on_crash), which
      // frees its whole pirq tree; only running domains can hold a pirq for good.
      if (d.dying || w.toolstack.domains[d.domid]?.state === 'shutdown') continue;
      for (const pS of intKeys(d.pirqs)) {
        const info = d.pirqs[pS]!;
        const p = Number(pS);
        if (isFreePirq(d, p)) continue;
        if (pirqReleaser(w, d, p)) continue;
        const what = info.irq > 0 ? `mapped (irq ${info.irq}) for ${(() => { const md = w.xen.irqs[info.irq]?.msi_desc; return md ? `${vecName(w, md.dev, md.entry_nr, md.msix)}, which dom${d.domid} no longer owns` : 'no device'; })()}`
          : info.irq === -1 ? 'PIRQ_ALLOCATED, never mapped'
          : info.irq < -1 ? `force-unbound (arch.irq ${info.irq})`
          : `unmapped but with emuirq ${info.emuirq === IRQ_UNBOUND ? 'IRQ_UNBOUND' : info.emuirq} (an HVM event channel bound while it was mapped)`;
        const forced = d.forced[p];
        return {
          text: `dom${d.domid} pirq ${p} is ${what}${forced ? ` (chao-v6 force_unmapped=${+forced.unmapped} force_unbound=${+forced.unbound})` : ''}, and nothing but destroying dom${d.domid} will free it: no live QEMU or dom0 records it${d.hvm && info.irq === 0 ? ', and an HVM evtchn close does not clear emuirq of an unmapped pirq' : ''}.`,
          facts: { domid: d.domid, pirq: p, irq: info.irq, emuirq: info.emuirq, evtchn: info.evtchn, forced: forced ?? null },
        };
      }
    }
    return undefined;
  },
};

const pcibackMsixCallsSucceed: Invariant = {
  name: 'pciback-msix-calls-succeed',
  transition: true,
  doc: 'Every PHYSDEVOP_prepare_msix and PHYSDEVOP_release_msix pciback issues (binding, unbinding, or seed 003\'s reset on export) succeeds.',
  ref: 'A.5, B.4 (pciback and pci_prepare_msix)',
  kind: 'failure',
  why: "drivers/xen/xen-pciback/pci_stub.c:pcistub_device_release @v5.1 logs \"MSI-X release failed (%d)\" in dom0's dmesg and pcistub_init_device \"MSI-X preparation failed (%d)\"; in seed 003's pcistub_msix_reset the failure also fails xen_pcibk_export_device, so the guest does not get its device.",
  check(w) {
    for (const a of w.audit) {
      if (a.kind !== 'pciback_msix_failed') continue;
      const why = a.rc === -16
        ? `used_entries of ${devName(w, a.dev)} is ${w.xen.pdevs[a.dev]?.msix.used_entries ?? '?'} (pci_prepare_msix wants ${a.op === 'PHYSDEVOP_release_msix' ? 1 : 0}): MSI-X descriptors of some domain are still live`
        : a.rc === -6
          ? 'memory decoding is off, so msix_capability_init cannot reach the table'
          : `the hypercall returned ${a.rc}`;
      return {
        text: `${a.fn}: "${a.line}": ${why}.`,
        facts: { ...a, used_entries: w.xen.pdevs[a.dev]?.msix.used_entries ?? null },
      };
    }
    return undefined;
  },
};

const noDomainCrash: Invariant = {
  name: 'no-domain-crash',
  doc: 'Xen never crashes a guest domain: no domain is shut down with SHUTDOWN_crash by the hypervisor (a failure the user sees: the guest dies, "Domain N reported crashed by domain 0" in xl dmesg).',
  ref: 'xen/arch/x86/msi.c:msix_capability_init @RELEASE-4.12.0 (4245d331e0), xen/common/domain.c:__domain_crash',
  kind: 'failure',
  why: 'xen/arch/x86/msi.c:msix_capability_init @RELEASE-4.12.0 prints "Potentially insecure use of MSI-X" and calls domain_crash: the guest stops where it stood, xl reports it crashed and the toolstack destroys it.',
  check(w) {
    for (const domS of intKeys(w.xen.domains)) {
      const d = w.xen.domains[domS]!;
      if (d.shutdown === 'crash') {
        return {
          text: `dom${d.domid} was crashed by Xen (d->shutdown_code SHUTDOWN_crash): the guest stops, the toolstack destroys it${w.toolstack.domains[d.domid] ? ' (on_crash=destroy)' : ''}.`,
          facts: { domid: d.domid, shutdown: d.shutdown },
        };
      }
    }
    return undefined;
  },
};

export const INVARIANTS: readonly Invariant[] = [
  enabledVectorDelivers,
  guestXenAgree,
  pirqSingleOwner,
  noDuplicateGuestPirq,
  cachedPirqIsHint,
  mapSuccessMeansMapped,
  qemuXenAgree,
  noLeakedIrq,
  freePirqHasNoEvtchn,
  pvVectorsBound,
  dom0NoStaleMsixEntries,
  dom0FlagMatchesHoldings,
  noStalePirqAfterDestroy,
  maskallClearAfterAssign,
  noCarriedOverMask,
  noMaskWithoutDecoding,
  cleanHandover,
  hostMaskallNotGuestClearable,
  usedEntriesAccounting,
  noStuckPirq,
  pcibackMsixCallsSucceed,
  noDomainCrash,
];

export function findInvariant(name: string): Invariant | undefined {
  return INVARIANTS.find((i) => i.name === name);
}

export interface Violation {
  readonly invariant: string;
  readonly evidence: Evidence;
}

/** Check the given invariants in order; every violated one is returned, the first first. */
/** The invariants `invs` violated in `w`, a world `apply` returned (one nobody writes any more: model/int-keys.ts). */
export function violations(w: World, invs: readonly Invariant[]): Violation[] {
  const out: Violation[] = [];
  const was = keyMemory(true);
  try {
    for (const inv of invs) {
      const ev = inv.check(w);
      if (ev) out.push({ invariant: inv.name, evidence: ev });
    }
  } finally {
    keyMemory(was);
  }
  return out;
}
