/**
 * Same results, less time: runs explore from two checkouts of pirqcheck (or one) on the configurations below
 * and prints, per configuration, the verdict, distinct states, transitions, states per level and a digest of
 * the counterexample (actions and trace steps), then the timing of the throughput configuration alternating
 * between the checkouts (so both see the same machine load), median of the runs, wall clock and CPU time.
 *
 *   npx tsx bench/explore-compare.ts [other-checkout-root] [--reps N] [--depth D] [--no-results]
 *
 * The results of both checkouts must be equal line for line (docs/performance.md, "Before and after").
 */
import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const args = process.argv.slice(2);
const opt = (name: string, d: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : d;
};
const reps = opt('--reps', 3);
const depth = opt('--depth', 20);
const roots = [path.resolve(new URL('..', import.meta.url).pathname)];
const other = args.find((a, i) => !a.startsWith('--') && !(i > 0 && args[i - 1]!.startsWith('--')));
if (other) roots.unshift(path.resolve(other));

interface Mods {
  root: string;
  explore: typeof import('../checker/explore.ts').explore;
  resolveConfig: typeof import('../model/config.ts').resolveConfig;
  DEFAULT_CONFIG: typeof import('../model/config.ts').DEFAULT_CONFIG;
  INVARIANTS: typeof import('../model/invariants.ts').INVARIANTS;
}
async function load(root: string): Promise<Mods> {
  const u = (p: string) => pathToFileURL(path.join(root, p)).href;
  const ex = (await import(u('checker/explore.ts'))) as typeof import('../checker/explore.ts');
  const cf = (await import(u('model/config.ts'))) as typeof import('../model/config.ts');
  const inv = (await import(u('model/invariants.ts'))) as typeof import('../model/invariants.ts');
  return { root, explore: ex.explore, resolveConfig: cf.resolveConfig, DEFAULT_CONFIG: cf.DEFAULT_CONFIG, INVARIANTS: inv.INVARIANTS };
}

const sha = (s: string) => createHash('sha1').update(s).digest('hex').slice(0, 16);

interface Case {
  label: string;
  config: Record<string, string>;
  depth: number;
  invariants: 'all' | string[];
  workers?: number;
  symmetry?: boolean;
}
const nv = { scenario: 'nvme-hvm', guest: 'reuse-pirq', qemu: 'keep-pirqs', xen: '4.12' };
const cases: Case[] = [
  { label: 'nvme-hvm reuse-pirq keep-pirqs depth 16', config: nv, depth: 16, invariants: 'all' },
  { label: 'nvme-hvm reuse-pirq keep-pirqs depth 16, 2 workers', config: nv, depth: 16, invariants: 'all', workers: 2 },
  { label: 'nvme-hvm reuse-pirq keep-pirqs depth 16 --symmetry', config: nv, depth: 16, invariants: 'all', symmetry: true },
  { label: 'nvme-msi-hvm reuse-pirq keep-pirqs complete', config: { ...nv, scenario: 'nvme-msi-hvm' }, depth: 1000, invariants: 'all' },
  { label: 'nvme-msi-hvm reuse-pirq keep-pirqs complete --symmetry', config: { ...nv, scenario: 'nvme-msi-hvm' }, depth: 1000, invariants: 'all', symmetry: true },
  { label: 'reboot-hvm dom0=pvops complete, no invariant', config: { scenario: 'reboot-hvm', dom0: 'pvops', xen: '4.12', toolstack: 'libxl' }, depth: 1000, invariants: [] },
  { label: 'reboot-hvm dom0=pvops, every invariant', config: { scenario: 'reboot-hvm', dom0: 'pvops', xen: '4.12', toolstack: 'libxl' }, depth: 1000, invariants: 'all' },
  { label: 'reboot-hvm dom0=pvops, maskall-clear-after-assign', config: { scenario: 'reboot-hvm', dom0: 'pvops', xen: '4.12', toolstack: 'libxl' }, depth: 1000, invariants: ['maskall-clear-after-assign'] },
  { label: 'igbvf-pv dom0=xen-2.6.18, pv-vectors-bound', config: { scenario: 'igbvf-pv', dom0: 'xen-2.6.18' }, depth: 40, invariants: ['pv-vectors-bound'] },
];
for (const scenario of ['nvme-hvm', 'nvme-msi-hvm', 'hostile-hvm'])
  for (const guest of ['reuse-pirq', 'reuse-pirq-live', 'fresh-pirq'])
    for (const qemu of ['keep-pirqs', 'unmap-on-disable'])
      cases.push({ label: `${scenario} ${guest} ${qemu} depth 30 max 20000`, config: { scenario, guest, qemu, xen: '4.12' }, depth: 30, invariants: 'all' });

const mods = [];
for (const r of roots) mods.push(await load(r));

if (!args.includes('--no-results')) {
  for (const c of cases) {
    const lines: string[] = [];
    for (const m of mods) {
      const r = m.resolveConfig({ ...m.DEFAULT_CONFIG, ...c.config });
      const invs = c.invariants === 'all' ? m.INVARIANTS : m.INVARIANTS.filter((i) => (c.invariants as string[]).includes(i.name));
      // The concrete identity, or the device swap alone (checker/identity.ts; a checkout from before the state
      // identity ignores the option and has these as its only two): the same states in every checkout.
      const identity = { rename: [], project: false, symmetry: c.symmetry ?? false };
      const x = await m.explore(r, { depth: c.depth, maxStates: 20_000, invariants: invs, workers: c.workers ?? 1, symmetry: c.symmetry ?? false, identity } as Parameters<typeof m.explore>[1]);
      lines.push(
        `${x.verdict} complete=${x.complete} states=${x.stats.distinctStates} transitions=${x.stats.transitions} levels=${x.stats.levels.join(',')} ` +
          `violation=${x.violation?.invariant ?? '-'} also=${x.alsoViolated.join(',') || '-'} length=${x.actions?.length ?? '-'} actions=${sha(JSON.stringify(x.actions))} steps=${sha(JSON.stringify(x.steps))}`,
      );
    }
    const same = lines.every((l) => l === lines[0]);
    console.log(`${same ? 'SAME' : 'DIFFERENT'} ${c.label}\n  ${lines.join('\n  ')}`);
  }
}

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const k = s.length >> 1;
  return s.length % 2 ? s[k]! : (s[k - 1]! + s[k]!) / 2;
};
if (reps > 0) {
  console.log(`throughput: nvme-hvm reuse-pirq keep-pirqs depth ${depth}, 1 worker, every invariant; ${reps} runs each, alternating; load ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  const t = mods.map(() => ({ ms: [] as number[], cpu: [] as number[], states: 0 }));
  for (let i = 0; i < reps; i++)
    for (let j = 0; j < mods.length; j++) {
      // ABBA order: neither checkout always runs first.
      const k = i % 2 ? mods.length - 1 - j : j;
      const m = mods[k]!;
      const r = m.resolveConfig({ ...m.DEFAULT_CONFIG, ...nv });
      const c0 = cpuMs();
      const x = await m.explore(r, { depth, maxStates: 1_000_000, invariants: m.INVARIANTS, identity: { rename: [], project: false, symmetry: false } } as Parameters<typeof m.explore>[1]);
      t[k]!.cpu.push(cpuMs() - c0);
      t[k]!.ms.push(x.stats.elapsedMs);
      t[k]!.states = x.stats.distinctStates;
    }
  mods.forEach((m, k) => {
    const x = t[k]!;
    const ms = median(x.ms);
    console.log(
      `  ${m.root}: ${x.states} states, wall ms ${x.ms.map((v) => v.toFixed(0)).join(' ')} (median ${ms.toFixed(0)}, ${((x.states / ms) * 1000).toFixed(0)} states/s), ` +
        `CPU ms ${x.cpu.map((v) => v.toFixed(0)).join(' ')} (median ${median(x.cpu).toFixed(0)}, ${((x.states / median(x.cpu)) * 1000).toFixed(0)} states per CPU-s)`,
    );
  });
  console.log(`  load at end ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
}
