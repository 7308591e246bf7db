/*
 * The pirq core of pirqcheck's nvme-hvm scenario in Promela (docs/performance.md "The SPIN peer"): two MSI-X
 * devices of 3 entries passed through to one PV-on-HVM guest (domid 1, nr_pirqs 56, nr_irqs_gsi 48), each
 * driven by the nvme driver program of model/scenarios.ts:enabledActions, on Xen 4.12.
 * Every action is one d_step, written from the TypeScript handler it mirrors (the names below are the model's
 * functions, which cite the real code): guest.ts (pci_enable_msix, pci_msix_clear_and_set_ctrl, request_irq,
 * free_irq, pci_disable_msix), qemu.ts (xen_pt_msixctrl_reg_write, xen_pt_msix_update_one, pci_msix_write,
 * xen_pt_msix_disable), xen/physdev.ts, xen/irq.ts, xen/event-channel.ts, xen/passthrough-io.ts, xen/vmsi.ts
 * and xen/msi.ts (the xen-4.6 msi.c). The state vector holds exactly the fields bench/peer/projection.ts
 * keeps of a pirqcheck world (with `spin -o2`, which keeps the variables no statement reads); the temporaries
 * are 0 in every stored state (CLR). bench/peer/spin.ts builds and runs it.
 *
 * Variants (compile-time, as spin -D...):
 *   GUEST_REUSE   0 fresh-pirq (c74fd80f: never), 1 reuse-pirq-live (live-irq), 2 reuse-pirq (ever-bound)
 *   QEMU_UNMAP    0 keep-pirqs, 1 unmap-on-disable (qemuUnmapOnDisable and qemuRewriteIfUnassigned)
 */
#ifndef GUEST_REUSE
#define GUEST_REUSE 2
#endif
#ifndef QEMU_UNMAP
#define QEMU_UNMAP 0
#endif

#define NDEV 2
#define NENT 3
#define PBASE 48      /* nr_irqs_gsi: the lowest pirq get_free_pirq hands out */
#define NP 8          /* pirqs 48..55 (nr_pirqs 56) */
#define XBASE 48      /* create_irq: the lowest dynamic Xen irq */
#define NX 12         /* Xen irq slots 48..59 (an overflow is an assertion failure) */
#define GBASE 24      /* FIRST_DYNAMIC_IRQ of the guest */
#define NG 8          /* guest Linux irqs 24..31 */
#define NPORT 9       /* event-channel ports 1..8 (index 0 unused) */
#define UNASSIGNED -1 /* XEN_PT_UNASSIGNED_PIRQ */
#define ALLOCATED -1  /* PIRQ_ALLOCATED */

/* driver stages (model/components/guest.ts DriverStage) */
#define IDLE 0
#define PROBE_ENABLED 1
#define PROBE_READY 2
#define PROBE_RUNNING 3
#define PROBE_FREED 4
#define PROBE_DISABLED 5
#define IO_ENABLED 6
#define IO_READY 7
#define RUNNING 8
#define UNLOADING 9

/* hardware (device.ts HwDevice): MSI-X ENABLE/MASKALL, per entry MASKBIT and the programmed Xen irq */
bit hw_en[NDEV]; bit hw_mall[NDEV]; bit hw_masked[6] = 1; byte hw_xirq[6];
/* Xen pdev arch.msix: used_entries, host_maskall, guest_maskall */
byte pd_used[NDEV] = 1; bit pd_hmall[NDEV]; bit pd_gmall[NDEV];
/* Xen domain 1: pirq records (arch.irq, evtchn, emuirq == IRQ_PT, dpci bound), irq_pirq, ports, msixtbl */
short p_irq[NP]; byte p_evt[NP]; bit p_emu[NP]; bit p_dpci[NP];
short irq_pirq[NX]; byte port_pirq[NPORT]; byte tflags[NDEV];
/* Xen irq descs: allocated, msi_desc (present, dev, entry_nr, host_masked, guest_masked), bound to dom1 */
bit x_alloc[NX]; bit x_md[NX]; byte x_mddev[NX]; byte x_mdent[NX]; bit x_hm[NX]; bit x_gm[NX]; bit x_guest[NX];
/* QEMU xen_pt: MSI-X enabled and maskall as the guest last wrote them, entries' pirq, message (0: never written, else the pirq it encodes), updated */
bit q_en[NDEV]; bit q_mall[NDEV]; short q_pirq[6] = -1; byte q_msg[6]; bit q_upd[6];
/* guest Linux: irq_info records (pirq, dev, entry, evtchn, requested), pirq_to_irq[], devices */
bit g_alloc[NG]; byte g_pirq[NG]; byte g_dev[NG]; byte g_ent[NG]; byte g_evt[NG]; bit g_req[NG];
byte p2i[NP];
bit g_men[NDEV]; byte mlist[6]; byte stage[NDEV]; byte nvec[NDEV]; byte nxt[NDEV];

/*
 * Temporaries of the handlers. SPIN's breadth-first mode refuses `hidden` variables, so they are ordinary
 * globals that every step sets back to 0 at its end (CLR): they are 0 in every stored state and add nothing to
 * the count.
 */
int i, j, e, k, p, x, r, port, gi, old, oldp, sp, okflag, regok, forced, reg, dv;
#define CLR i = 0; j = 0; e = 0; k = 0; p = 0; x = 0; r = 0; port = 0; gi = 0; old = 0; oldp = 0; sp = 0; okflag = 0; regok = 0; forced = 0; reg = 0; dv = 0

/* ---------------- Xen: xen/msi.ts (xen-4.6 msi.c), memory decoding always on in nvme-hvm ---------------- */

/* msi_set_mask_bit(irq index xi, host, guest) */
inline msi_set_mask_bit(xi, host, guest) {
  if
  :: x_md[xi] ->
     dv = x_mddev[xi];
     if
     :: hw_en[dv] -> hw_masked[dv * NENT + x_mdent[xi]] = (host || guest); x_hm[xi] = host; x_gm[xi] = guest
     :: else ->
        /* control ENABLE clear: set ENABLE|MASKALL around the write, then restore */
        hw_masked[dv * NENT + x_mdent[xi]] = (host || guest);
        reg = hw_mall[dv];
        hw_en[dv] = 0;
        hw_mall[dv] = (reg || pd_hmall[dv] || pd_gmall[dv]);
        x_hm[xi] = host; x_gm[xi] = guest
     fi
  :: else -> skip
  fi
}

/* msix_capability_init(dev, entry) for a map: used_entries > 0 always here (the prepare_msix pseudo-entry) */
inline msix_capability_init(cdev, cent) {
  assert(pd_used[cdev] > 0); /* the foreign first map (domain_crash) is not in the Promela model */
  hw_masked[cdev * NENT + cent] = 1;
  pd_used[cdev] = pd_used[cdev] + 1
  /* host_maskall, ENABLE and MASKALL are restored to their values before the call */
}

/* __pci_disable_msix(irq index xi) */
inline pci_disable_msix_xen(xi) {
  dv = x_mddev[xi];
  hw_masked[dv * NENT + x_mdent[xi]] = 1;
  hw_mall[dv] = (hw_mall[dv] || pd_hmall[dv] || pd_gmall[dv]);
  if :: pd_used[dv] > 0 -> pd_used[dv] = pd_used[dv] - 1 :: else -> skip fi
}

/* pci_msi_conf_write_intercept(dev, enable, maskall) */
inline conf_write_intercept(cdev, en, mall) {
  pd_gmall[cdev] = mall;
  hw_en[cdev] = en;
  hw_mall[cdev] = (mall || pd_hmall[cdev])
}

/* ---------------- Xen: irq.c, physdev.c, event_channel.c, hvm/irq passthrough, vmsi.c ---------------- */

/* create_irq: lowest free slot; result in x (index) */
inline create_irq() {
  x = 0;
  do
  :: x < NX && x_alloc[x] -> x++
  :: else -> break
  od;
  assert(x < NX);
  x_alloc[x] = 1
}

inline destroy_irq(xi) {
  x_alloc[xi] = 0; x_md[xi] = 0; x_mddev[xi] = 0; x_mdent[xi] = 0; x_hm[xi] = 0; x_gm[xi] = 0; x_guest[xi] = 0
}

/* get_free_pirq: the highest free pirq; result in p (pirq number) or -1 */
inline get_free_pirq() {
  p = PBASE + NP - 1;
  do
  :: p >= PBASE && !(p_irq[p - PBASE] == 0 && !p_emu[p - PBASE]) -> p--
  :: else -> break
  od;
  if :: p < PBASE -> p = -1 :: else -> skip fi
}

/* msixtblRegistered(dev): some dpci-bound mapped pirq whose irq's msi_desc is this device's; result in regok */
inline msixtbl_registered(cdev) {
  regok = 0; j = 0;
  do
  :: j < NP ->
     if
     :: p_dpci[j] && p_irq[j] > 0 && x_md[p_irq[j] - XBASE] && x_mddev[p_irq[j] - XBASE] == cdev -> regok = 1
     :: else -> skip
     fi;
     j++
  :: else -> break
  od
}

/* pirq_guest_bind(p); result in r */
inline pirq_guest_bind(pp) {
  if
  :: p_irq[pp - PBASE] <= 0 -> r = -22
  :: else ->
     sp = p_irq[pp - PBASE] - XBASE;
     if
     :: !x_alloc[sp] -> r = -22
     :: x_alloc[sp] && x_guest[sp] -> r = -16
     :: else ->
        x_guest[sp] = 1;
        if :: x_md[sp] -> msi_set_mask_bit(sp, 0, x_gm[sp]) :: else -> skip fi;
        r = 0
     fi
  fi
}

/* __pirq_guest_unbind(irq index xi) */
inline pirq_guest_unbind_irq(xi) {
  if
  :: x_alloc[xi] ->
     x_guest[xi] = 0;
     if :: x_md[xi] -> msi_set_mask_bit(xi, 1, x_gm[xi]); msi_set_mask_bit(xi, 1, 1) :: else -> skip fi
  :: else -> skip
  fi
}

/* unmap_domain_pirq(p); result in r */
inline unmap_domain_pirq(pp) {
  if
  :: pp < 0 || pp >= PBASE + NP -> r = -22
  :: else ->
     if
     :: p_irq[pp - PBASE] <= 0 -> r = -22
     :: else ->
        sp = p_irq[pp - PBASE] - XBASE;
        /* pirq_guest_force_unbind */
        if
        :: x_alloc[sp] && x_guest[sp] -> forced = 1; pirq_guest_unbind_irq(sp)
        :: else -> forced = 0
        fi;
        if :: x_md[sp] -> pci_disable_msix_xen(sp) :: else -> skip fi;
        if
        :: !forced -> irq_pirq[sp] = 0; p_irq[pp - PBASE] = 0
        :: else -> irq_pirq[sp] = -pp; p_irq[pp - PBASE] = -(sp + XBASE)
        fi;
        destroy_irq(sp);
        r = 0
     fi
  fi
}

/* PHYSDEVOP_unmap_pirq(p); result in r */
inline physdevop_unmap_pirq(pp) {
  if
  :: pp >= PBASE && pp < PBASE + NP && p_emu[pp - PBASE] -> p_emu[pp - PBASE] = 0
  :: else -> skip
  fi;
  unmap_domain_pirq(pp)
}

/* PHYSDEVOP_map_pirq(requested pirq rq, dev, entry) for MSI-X; result in r (the pirq or an error) */
inline physdevop_map_pirq(rq, mdev, ment) {
  create_irq();
  p = rq;
  old = irq_pirq[x];  /* current */
  if
  :: p < 0 && old != 0 -> destroy_irq(x); if :: old < 0 -> r = -16 :: else -> r = p fi
  :: p < 0 && old == 0 ->
     get_free_pirq();
     if :: p < 0 -> destroy_irq(x); r = -28 :: else -> r = 1 fi
  :: p >= PBASE + NP -> destroy_irq(x); r = -22
  :: p >= 0 && p < PBASE + NP && old != 0 && p != old -> destroy_irq(x); r = -17
  :: else -> r = 1
  fi;
  if
  :: r == 1 ->
     /* map_domain_pirq(p, irq x): a conflict is silent on 4.12 (returns 0, maps nothing, the irq leaks) */
     if
     :: (p_irq[p - PBASE] > 0 && p_irq[p - PBASE] != x + XBASE) || (irq_pirq[x] != 0 && irq_pirq[x] != p) -> skip
     :: else ->
        msix_capability_init(mdev, ment);
        x_md[x] = 1; x_mddev[x] = mdev; x_mdent[x] = ment; x_hm[x] = 1; x_gm[x] = 1;
        hw_xirq[mdev * NENT + ment] = x + XBASE;
        irq_pirq[x] = p;
        p_irq[p - PBASE] = x + XBASE
     fi;
     r = p
  :: else -> skip
  fi
}

/* XEN_DOMCTL_bind_pt_irq(p, gvec 0); result in r */
inline bind_pt_irq(pp) {
  if
  :: pp < 0 || pp >= PBASE + NP -> r = -22
  :: p_dpci[pp - PBASE] -> r = 0
  :: else ->
     p_dpci[pp - PBASE] = 1;
     pirq_guest_bind(pp);
     if :: r != 0 -> p_dpci[pp - PBASE] = 0 :: else -> skip fi
  fi
}

/* XEN_DOMCTL_unbind_pt_irq(p); result in r */
inline unbind_pt_irq(pp) {
  if
  :: p_irq[pp - PBASE] <= 0 -> r = -22
  :: else ->
     if
     :: p_dpci[pp - PBASE] ->
        sp = p_irq[pp - PBASE] - XBASE;
        if :: x_md[sp] -> msi_set_mask_bit(sp, x_hm[sp], 1) :: else -> skip fi; /* guest_mask_msi_irq(irq, true) */
        pirq_guest_unbind_irq(sp);                                          /* pirq_guest_unbind, arch.irq > 0 */
        p_dpci[pp - PBASE] = 0;
        /* msixtbl_pt_unregister(md.dev) */
        if
        :: x_md[sp] && tflags[x_mddev[sp]] != 0 ->
           dv = x_mddev[sp];
           msixtbl_registered(dv);
           if :: !regok -> tflags[dv] = 0 :: else -> skip fi
        :: else -> skip
        fi
     :: else -> skip
     fi;
     r = 0
  fi
}

/* ---------------- QEMU: qemu.ts (xen_pt_msi.c, xen_pt_config_init.c) ---------------- */

/* xen_pt_msix_update_one(dev, entry): vector control never written on the pirq path (vecCtrlMasked false) */
inline msix_update_one(udev, uk) {
  gi = udev * NENT + uk;
  if
  :: q_upd[gi] ->
     /* msi_msix_setup: the pirq the message encodes (vector 0), mapped if the entry has none */
     if :: q_msg[gi] != 0 -> k = q_msg[gi] :: else -> k = UNASSIGNED fi;
     if
     :: q_pirq[gi] == UNASSIGNED ->
        physdevop_map_pirq(k, udev, uk);
        if :: r >= 0 -> k = r; q_pirq[gi] = k :: else -> skip fi
     :: else -> r = 0
     fi;
     if
     :: r >= 0 ->
        /* msi_msix_update: bind the pirq; on failure unmap the entry's pirq and forget it */
        oldp = q_pirq[gi];
        bind_pt_irq(k);
        if
        :: r < 0 -> physdevop_unmap_pirq(oldp); q_pirq[gi] = UNASSIGNED
        :: else -> q_upd[gi] = 0
        fi
     :: else -> skip
     fi
  :: else -> skip
  fi
}

/* pci_msix_write(dev, entry, message of pirq mp) through Xen's msixtbl_write */
inline msixtbl_write(wdev, wk, mp) {
  msixtbl_registered(wdev);
  if :: regok -> tflags[wdev] = tflags[wdev] | (1 << wk) :: else -> skip fi;
  gi = wdev * NENT + wk;
  if
  :: q_msg[gi] == mp && !(QEMU_UNMAP && q_pirq[gi] == UNASSIGNED) -> skip /* unchanged */
  :: else ->
     if
     :: q_en[wdev] && !hw_masked[gi] -> skip /* "Can't update msix entry since MSI-X is already enabled." */
     :: else -> q_msg[gi] = mp; q_upd[gi] = 1
     fi
  fi
}

/* xen_pt_msixctrl_reg_write(dev, enable, maskall) */
inline msixctrl_reg_write(cdev, en, mall) {
  if
  :: en && !mall -> msix_update_one(cdev, 0); msix_update_one(cdev, 1); msix_update_one(cdev, 2)
  :: !en && q_en[cdev] && QEMU_UNMAP ->
     /* xen_pt_msix_disable */
     conf_write_intercept(cdev, 0, hw_mall[cdev]);
     i = 0;
     do
     :: i < NENT ->
        gi = cdev * NENT + i;
        old = q_pirq[gi];
        if
        :: old != UNASSIGNED ->
           unbind_pt_irq(old);
           if :: r >= 0 -> physdevop_unmap_pirq(old) :: else -> skip fi
        :: else -> skip
        fi;
        gi = cdev * NENT + i;
        q_pirq[gi] = UNASSIGNED; q_upd[gi] = 0;
        i++
     :: else -> break
     od
  :: else -> skip
  fi;
  q_mall[cdev] = mall;
  q_en[cdev] = en;
  conf_write_intercept(cdev, en, mall)
}

/* ---------------- guest Linux: guest.ts ---------------- */

/* xen_teardown_msi_irqs: drop the device's irq_info records (pirq_to_irq[] stays) */
inline teardown_msi_irqs(tdev) {
  i = 0;
  do
  :: i < NENT ->
     if
     :: mlist[tdev * NENT + i] != 0 ->
        gi = mlist[tdev * NENT + i] - GBASE;
        g_alloc[gi] = 0; g_pirq[gi] = 0; g_dev[gi] = 0; g_ent[gi] = 0; g_evt[gi] = 0; g_req[gi] = 0;
        mlist[tdev * NENT + i] = 0
     :: else -> skip
     fi;
     i++
  :: else -> break
  od
}

/* pci_enable_msix(dev, n): xen_hvm_setup_msi_irqs, then ENABLE|MASKALL */
inline pci_enable_msix(edev, n) {
  okflag = 1; e = 0;
  do
  :: e < n && okflag ->
     k = q_msg[edev * NENT + e];   /* the message read back: 0 if never written, else its pirq */
     r = 0;
     if
     :: GUEST_REUSE == 2 && k != 0 && p2i[k - PBASE] != 0 -> r = 1
     :: GUEST_REUSE == 1 && k != 0 ->
        j = 0;
        do
        :: j < NG -> if :: g_alloc[j] && g_pirq[j] == k -> r = 1 :: else -> skip fi; j++
        :: else -> break
        od
     :: else -> skip
     fi;
     if
     :: r == 1 -> skip /* "xen: msi already bound to pirq" */
     :: else ->
        get_free_pirq(); /* PHYSDEVOP_get_free_pirq */
        if
        :: p < 0 -> okflag = 0
        :: else ->
           p_irq[p - PBASE] = ALLOCATED;
           k = p;
           msixtbl_write(edev, e, k)
        fi
     fi;
     if
     :: okflag ->
        /* xen_bind_pirq_msi_to_irq */
        gi = 0;
        do
        :: gi < NG && g_alloc[gi] -> gi++
        :: else -> break
        od;
        assert(gi < NG);
        g_alloc[gi] = 1; g_pirq[gi] = k; g_dev[gi] = edev; g_ent[gi] = e; g_evt[gi] = 0; g_req[gi] = 0;
        p2i[k - PBASE] = gi + GBASE;
        mlist[edev * NENT + e] = gi + GBASE;
        e++
     :: else -> skip
     fi
  :: else -> break
  od;
  if
  :: !okflag -> teardown_msi_irqs(edev); stage[edev] = IDLE; nvec[edev] = 0; nxt[edev] = 0
  :: else ->
     msixctrl_reg_write(edev, 1, 1);
     g_men[edev] = 1;
     if :: stage[edev] == IDLE -> stage[edev] = PROBE_ENABLED :: else -> stage[edev] = IO_ENABLED fi;
     nvec[edev] = n; nxt[edev] = 0
  fi
}

/* pci_msix_clear_and_set_ctrl(dev, MASKALL, 0) */
inline clear_maskall(cdev) {
  msixctrl_reg_write(cdev, 1, 0);
  if :: stage[cdev] == PROBE_ENABLED -> stage[cdev] = PROBE_READY :: else -> stage[cdev] = IO_READY fi;
  nxt[cdev] = 0
}

/* request_irq(dev, entry): startup_pirq -> EVTCHNOP_bind_pirq */
inline request_irq(rdev, rent) {
  if
  :: mlist[rdev * NENT + rent] != 0 && g_alloc[mlist[rdev * NENT + rent] - GBASE] ->
     gi = mlist[rdev * NENT + rent] - GBASE;
     k = g_pirq[gi];
     if
     :: p_evt[k - PBASE] != 0 -> port = -17
     :: else ->
        port = 1;
        do
        :: port < NPORT && port_pirq[port] != 0 -> port++
        :: else -> break
        od;
        assert(port < NPORT);
        p_evt[k - PBASE] = port;
        port_pirq[port] = k;
        if
        :: p_irq[k - PBASE] > 0 ->
           p_emu[k - PBASE] = 1;
           sp = p_irq[k - PBASE] - XBASE;
           if :: x_md[sp] -> msi_set_mask_bit(sp, x_hm[sp], 0) :: else -> skip fi /* guest_mask_msi_irq(irq, false) */
        :: else -> skip
        fi
     fi;
     if :: port > 0 -> g_evt[gi] = port :: else -> skip fi;
     g_req[gi] = 1;
     /* advanceAfterRequest */
     if
     :: stage[rdev] == PROBE_READY -> stage[rdev] = PROBE_RUNNING
     :: stage[rdev] == IO_READY ->
        nxt[rdev] = nxt[rdev] + 1;
        if :: nxt[rdev] >= nvec[rdev] -> stage[rdev] = RUNNING :: else -> skip fi
     :: else -> skip
     fi
  :: else -> skip /* -EINVAL, nothing changes */
  fi
}

/* free_irq(dev, entry): shutdown_pirq -> EVTCHNOP_close */
inline free_irq(fdev, fent) {
  if
  :: mlist[fdev * NENT + fent] != 0 && g_alloc[mlist[fdev * NENT + fent] - GBASE] ->
     gi = mlist[fdev * NENT + fent] - GBASE;
     port = g_evt[gi];
     if
     :: port != 0 && port_pirq[port] != 0 ->
        k = port_pirq[port];
        port_pirq[port] = 0;
        p_evt[k - PBASE] = 0;
        if :: p_irq[k - PBASE] > 0 && p_emu[k - PBASE] -> p_emu[k - PBASE] = 0 :: else -> skip fi
     :: else -> skip
     fi;
     g_evt[gi] = 0; g_req[gi] = 0;
     /* advanceAfterFree */
     if
     :: stage[fdev] == PROBE_RUNNING -> stage[fdev] = PROBE_FREED
     :: stage[fdev] == RUNNING -> stage[fdev] = UNLOADING; nxt[fdev] = 1
     :: stage[fdev] == UNLOADING -> nxt[fdev] = nxt[fdev] + 1
     :: else -> skip
     fi
  :: else -> skip
  fi
}

/* pci_disable_msix(dev): clear ENABLE (QEMU traps it), free_msi_irqs */
inline pci_disable_msix(ddev) {
  if
  :: g_men[ddev] ->
     msixctrl_reg_write(ddev, 0, 0);
     g_men[ddev] = 0;
     teardown_msi_irqs(ddev);
     if :: stage[ddev] == PROBE_FREED -> stage[ddev] = PROBE_DISABLED :: else -> stage[ddev] = IDLE fi;
     nvec[ddev] = 0; nxt[ddev] = 0
  :: else -> skip
  fi
}

/* One device's driver program (scenarios.ts enabledActions): the options of the action its stage enables. */
#define DRIVER(D) \
  :: d_step { stage[D] == IDLE -> pci_enable_msix(D, 1); CLR } \
  :: d_step { (stage[D] == PROBE_ENABLED || stage[D] == IO_ENABLED) -> clear_maskall(D); CLR } \
  :: d_step { stage[D] == PROBE_READY -> request_irq(D, 0); CLR } \
  :: d_step { stage[D] == IO_READY -> request_irq(D, nxt[D]); CLR } \
  :: d_step { (stage[D] == PROBE_RUNNING || stage[D] == RUNNING) -> free_irq(D, 0); CLR } \
  :: d_step { (stage[D] == UNLOADING && nxt[D] < nvec[D]) -> free_irq(D, nxt[D]); CLR } \
  :: d_step { (stage[D] == PROBE_FREED || (stage[D] == UNLOADING && nxt[D] >= nvec[D])) -> pci_disable_msix(D); CLR } \
  :: d_step { stage[D] == PROBE_DISABLED -> pci_enable_msix(D, 2); CLR } \
  :: d_step { stage[D] == PROBE_DISABLED -> pci_enable_msix(D, 3); CLR }

/*
 * The initial world (scenarios.ts initialWorld) is the declarations' initial values: every entry masked, QEMU's
 * entries unassigned, pciback's prepare_msix pseudo-entry in used_entries. One process, whose every transition is
 * one of pirqcheck's steps, so that SPIN's depth is pirqcheck's.
 */
active proctype main() {
  do
  DRIVER(0)
  DRIVER(1)
  od
}
