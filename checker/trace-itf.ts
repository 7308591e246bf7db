/**
 * Export a trace as an Apalache ITF trace (Informal Trace Format, JSON,
 * https://apalache-mc.org/docs/adr/015adr-trace.html), so TLA+ and Quint tooling can read it: state 0 is the
 * scenario's initial world, state i the world after step i. Variables: `action`, the action that led to the
 * state, and one per top-level slice of the world (whatever slices the model has: hw, xen, qemu, guests,
 * audit, ...).
 *
 * Typed so that Quint's `ofItfNormalized` (quint/src/itf.ts) loads it and every variable has one type in
 * every state:
 * - `action` is a sum type: `{ "tag": KIND, "value": { ...fields } }`, `{ "tag": "init", "value": { "#tup": [] } }`
 *   in state 0 (each action kind its own fields);
 * - objects whose keys are all integers (domid, pirq, irq, port, device index) at a path are ITF maps
 *   `{"#map": [[k, v], ...]}`; other objects are records; arrays are sequences;
 * - a value that is null, or a record field that is absent, anywhere in the trace at a path is an option at
 *   that path in every state: `{ "tag": "Some", "value": v }` or `{ "tag": "None", "value": { "#tup": [] } }`
 *   (Quint's Option); no `#unserializable`;
 * - safe integers are JSON numbers, others `{"#bigint": "..."}`.
 */
import { initialWorld } from '../model/scenarios.ts';
import { step } from '../model/step.ts';
import type { World } from '../model/world.ts';
import { replayConfig } from './replay.ts';
import { configTitle } from './report.ts';
import { TraceError, type Trace } from './trace.ts';

export type ItfValue = number | string | boolean | ItfValue[] | { readonly [k: string]: ItfValue };

const NONE: ItfValue = { tag: 'None', value: { '#tup': [] } };
const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const isIntKey = (k: string) => /^-?\d+$/.test(k);

/** What the whole trace says about each path: records (some key not an integer), and optional paths. */
export interface ItfShape {
  /** Paths whose objects are records (else maps). */
  readonly records: Set<string>;
  /** Paths whose value is null somewhere, or a record field absent from some instance of its record. */
  readonly optional: Set<string>;
}

/** Path of a child: `.key` under a record, `[]` under a map or a sequence (every element alike). */
function child(path: string, key: string, record: boolean): string {
  return record ? `${path}.${key}` : `${path}[]`;
}

/** Learn the shape from every value the trace takes (JSON values: no undefined). */
export function itfShape(values: readonly unknown[]): ItfShape {
  const records = new Set<string>();
  const optional = new Set<string>();
  // First pass: which paths hold records.
  const kinds = (v: unknown, path: string) => {
    if (Array.isArray(v)) v.forEach((x) => kinds(x, `${path}[]`));
    else if (isObj(v)) {
      const keys = Object.keys(v);
      const record = keys.some((k) => !isIntKey(k));
      if (record) records.add(path);
      for (const k of keys) kinds(v[k], child(path, k, record || records.has(path)));
    }
  };
  // Records are decided before their children's paths are named: iterate to a fixed point.
  for (let n = -1; n !== records.size; ) {
    n = records.size;
    for (const v of values) kinds(v, '');
  }
  // Second pass: nulls, and fields missing from some instance of their record.
  const fields = new Map<string, Set<string>>();
  const instances: [string, Record<string, unknown>][] = [];
  const walk = (v: unknown, path: string) => {
    if (v === null) optional.add(path);
    else if (Array.isArray(v)) v.forEach((x) => walk(x, `${path}[]`));
    else if (isObj(v)) {
      const record = records.has(path);
      if (record) {
        instances.push([path, v]);
        const f = fields.get(path) ?? new Set<string>();
        for (const k of Object.keys(v)) f.add(k);
        fields.set(path, f);
      }
      for (const [k, x] of Object.entries(v)) walk(x, child(path, k, record));
    }
  };
  for (const v of values) walk(v, '');
  for (const [path, v] of instances) for (const k of fields.get(path)!) if (!(k in v)) optional.add(`${path}.${k}`);
  return { records, optional };
}

/** One JSON value as ITF under a shape (paths relative to `path`). */
export function toItf(v: unknown, shape: ItfShape = { records: new Set(), optional: new Set() }, path = ''): ItfValue {
  const inner = (): ItfValue => {
    if (typeof v === 'number') return Number.isSafeInteger(v) ? v : { '#bigint': String(Math.trunc(v)) };
    if (typeof v === 'string' || typeof v === 'boolean') return v;
    if (Array.isArray(v)) return v.map((x) => toItf(x, shape, `${path}[]`));
    if (isObj(v)) {
      // An absent field the shape marks optional is None; another absent one is left out.
      const entries = Object.entries(v).filter(([k, x]) => x !== undefined || shape.optional.has(`${path}.${k}`));
      if (shape.records.has(path) || entries.some(([k]) => !isIntKey(k))) {
        return Object.fromEntries(entries.map(([k, x]) => [k, toItf(x, shape, `${path}.${k}`)]));
      }
      return { '#map': entries.map(([k, x]) => [Number(k), toItf(x, shape, `${path}[]`)] as ItfValue[]) };
    }
    throw new TraceError(`cannot export ${String(v)} at ${path || 'the top'} to ITF`);
  };
  if (shape.optional.has(path)) return v === null || v === undefined ? NONE : { tag: 'Some', value: inner() };
  if (v === null || v === undefined) throw new TraceError(`no ITF value for null at ${path || 'the top'}`);
  return inner();
}

/** A record of every field the records at a path ever have, absent ones as undefined (None when optional). */
function withAllFields(v: unknown, shape: ItfShape, fieldsOf: Map<string, string[]>, path = ''): unknown {
  if (Array.isArray(v)) return v.map((x) => withAllFields(x, shape, fieldsOf, `${path}[]`));
  if (!isObj(v)) return v;
  const record = shape.records.has(path);
  const keys = record ? fieldsOf.get(path) ?? Object.keys(v) : Object.keys(v);
  return Object.fromEntries(keys.map((k) => [k, withAllFields(v[k], shape, fieldsOf, child(path, k, record))]));
}

function allFields(values: readonly unknown[], shape: ItfShape): Map<string, string[]> {
  const out = new Map<string, Set<string>>();
  const walk = (v: unknown, path: string) => {
    if (Array.isArray(v)) v.forEach((x) => walk(x, `${path}[]`));
    else if (isObj(v)) {
      const record = shape.records.has(path);
      if (record) {
        const s = out.get(path) ?? new Set<string>();
        for (const k of Object.keys(v)) s.add(k);
        out.set(path, s);
      }
      for (const [k, x] of Object.entries(v)) walk(x, child(path, k, record));
    }
  };
  for (const v of values) walk(v, '');
  return new Map([...out].map(([k, s]) => [k, [...s].sort()]));
}

/**
 * The ITF document of a trace under its own configuration. A trace with a step the model refuses is
 * refused (a TraceError): an ITF trace is a run of the model, not part of one.
 */
export function traceToItf(t: Trace): Record<string, unknown> {
  const r = replayConfig(t, {});
  let w: World = initialWorld(r.scenario);
  const slices = Object.keys(w);
  const worlds: World[] = [w];
  for (let i = 0; i < t.actions.length; i++) {
    const a = t.actions[i]!;
    const res = step(w, a, r);
    if (res.refused !== undefined) throw new TraceError(`step ${i + 1} (${a.kind}) is not possible in the model: ${res.refused}; an ITF trace must be a whole run, nothing exported`);
    w = res.world;
    worlds.push(w);
  }
  // Plain JSON values (no undefined), one object per state: { slice: value }.
  const states = worlds.map((x) => JSON.parse(JSON.stringify(Object.fromEntries(slices.map((k) => [k, (x as unknown as Record<string, unknown>)[k]])))) as Record<string, unknown>);
  const shape = itfShape(states);
  const fields = allFields(states, shape);
  const out = states.map((s, i) => {
    const a = i === 0 ? null : (t.actions[i - 1]! as unknown as Record<string, unknown>);
    const action: ItfValue = a
      ? { tag: String(a['kind']), value: Object.fromEntries(Object.entries(a).filter(([k]) => k !== 'kind').map(([k, x]) => [k, toItf(x)])) }
      : { tag: 'init', value: { '#tup': [] } };
    const full = withAllFields(s, shape, fields) as Record<string, unknown>;
    const st: Record<string, unknown> = { '#meta': { index: i }, action };
    for (const k of slices) st[k] = toItf(full[k], shape, `.${k}`);
    return st;
  });
  return {
    '#meta': {
      format: 'ITF',
      'format-description': 'https://apalache-mc.org/docs/adr/015adr-trace.html',
      source: `pirqcheck trace: ${configTitle(t)}`,
      description: `violates ${t.violation.invariant} after step ${t.violation.step}`,
    },
    vars: ['action', ...slices],
    states: out,
  };
}
