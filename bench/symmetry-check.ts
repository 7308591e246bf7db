/**
 * Checks that swapping the two devices is a symmetry of a two-device configuration (checker/explore-symmetry.ts,
 * docs/performance.md) on every state reachable within the depth, and prints how many states the reduction saves.
 * Run: npx tsx bench/symmetry-check.ts [scenario] [guest] [qemu] [depth]
 */
import { DEFAULT_CONFIG, resolveConfig } from '../model/config.ts';
import { INVARIANTS } from '../model/invariants.ts';
import { checkDeviceSymmetry } from '../checker/explore-symmetry.ts';
import { explore } from '../checker/explore.ts';

const [scenario = 'nvme-hvm', guest = 'reuse-pirq-live', qemu = 'unmap-on-disable', depthS = '12'] = process.argv.slice(2);
const r = resolveConfig({ ...DEFAULT_CONFIG, scenario, guest, qemu, xen: '4.12' });
const depth = Number(depthS);
const c = checkDeviceSymmetry(r, depth, INVARIANTS);
console.log(`${scenario} ${guest} ${qemu} depth ${depth}: ${c.states} states, ${c.transitions} transitions checked`);
for (const k of ['enabled', 'step', 'invariants']) console.log(`  ${k}: ${c.failures[k] ?? 'equivariant on every state checked'}`);
const plain = await explore(r, { depth, maxStates: 1e6, invariants: INVARIANTS });
const sym = await explore(r, { depth, maxStates: 1e6, invariants: INVARIANTS, symmetry: true });
console.log(`  explore: ${plain.verdict} ${plain.stats.distinctStates} states ${plain.stats.elapsedMs.toFixed(0)} ms; --symmetry: ${sym.verdict} ${sym.stats.distinctStates} states ${sym.stats.elapsedMs.toFixed(0)} ms`);
