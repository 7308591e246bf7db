/**
 * Export a trace as an Apalache ITF trace (Informal Trace Format, JSON), so TLA+ tooling can read it:
 * state 0 is the scenario's initial world, state i the world after step i. Variables: `action`, the action
 * that led to the state (a record with `kind` "init" in state 0), and one per top-level slice of the world
 * (whatever slices the model has: hw, xen, qemu, guests, audit, ...).
 *
 * Encoding: JSON objects whose keys are all integers (domid, pirq, irq, port, device index) become ITF maps
 * `{"#map": [[k, v], ...]}` with integer keys; other objects are ITF records; arrays are sequences; safe
 * integers are JSON numbers, others `{"#bigint": "..."}`; null is `{"#unserializable": "null"}`.
 */
import { initialWorld } from '../model/scenarios.ts';
import { step } from '../model/step.ts';
import type { World } from '../model/world.ts';
import { replayConfig } from './replay.ts';
import { configTitle } from './report.ts';
import type { Trace } from './trace.ts';

export type ItfValue = number | string | boolean | ItfValue[] | { readonly [k: string]: ItfValue };

export function toItf(v: unknown): ItfValue {
  if (v === null || v === undefined) return { '#unserializable': 'null' };
  if (typeof v === 'number') return Number.isSafeInteger(v) ? v : { '#bigint': String(Math.trunc(v)) };
  if (typeof v === 'string' || typeof v === 'boolean') return v;
  if (Array.isArray(v)) return v.map(toItf);
  if (typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined);
    if (entries.length === 0 || entries.every(([k]) => /^-?\d+$/.test(k))) {
      return { '#map': entries.map(([k, x]) => [Number(k), toItf(x)] as ItfValue[]) };
    }
    return Object.fromEntries(entries.map(([k, x]) => [k, toItf(x)]));
  }
  return { '#unserializable': String(v) };
}

function state(index: number, w: World, action: Record<string, unknown>, slices: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = { '#meta': { index }, action: toItf(action) };
  for (const k of slices) out[k] = toItf((w as unknown as Record<string, unknown>)[k]);
  return out;
}

/**
 * The ITF document of a trace under its own configuration. Stops at the first action that is not
 * possible (the ITF trace must be a run of the model).
 */
export function traceToItf(t: Trace): Record<string, unknown> {
  const r = replayConfig(t, {});
  let w = initialWorld(r.scenario);
  const slices = Object.keys(w);
  const states = [state(0, w, { kind: 'init' }, slices)];
  for (let i = 0; i < t.actions.length; i++) {
    const a = t.actions[i]!;
    const res = step(w, a, r);
    if (res.refused !== undefined) break;
    w = res.world;
    states.push(state(i + 1, w, { ...a }, slices));
  }
  return {
    '#meta': {
      format: 'ITF',
      'format-description': 'https://apalache-mc.org/docs/adr/015adr-trace.html',
      source: `pirqcheck trace: ${configTitle(t)}`,
      description: `violates ${t.violation.invariant} after step ${t.violation.step}`,
    },
    vars: ['action', ...slices],
    states,
  };
}
