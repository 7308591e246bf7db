/**
 * The ITF export loads in Quint (`ofItfNormalized`, the function its tooling reads Apalache traces with),
 * every variable has one type in every state, and a trace with a step the model refuses is not exported.
 */
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { loadTraceFile, loadTraceText, TraceError } from './trace.ts';
import { itfShape, toItf, traceToItf } from './trace-itf.ts';

const require = createRequire(import.meta.url);
const { ofItfNormalized } = require('@informalsystems/quint/dist/src/itf.js') as { ofItfNormalized: (itf: unknown) => unknown[] };

const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'counterexamples');
const files = readdirSync(dir).filter((f) => f.endsWith('.json') && f !== 'expectations.json').sort();

/** The type of an ITF value; `?` where an empty map or sequence says nothing about its elements. */
type Ty = string | { list: Ty } | { map: [Ty, Ty] } | { rec: Record<string, Ty> } | { sum: Record<string, Ty> } | { tup: Ty[] };

function typeOf(v: unknown): Ty {
  if (typeof v === 'number' || (typeof v === 'object' && v !== null && '#bigint' in v)) return 'int';
  if (typeof v === 'string') return 'str';
  if (typeof v === 'boolean') return 'bool';
  if (Array.isArray(v)) return { list: v.map(typeOf).reduce((a: Ty, b: Ty) => unify(a, b), '?') };
  const o = v as Record<string, unknown>;
  if ('#unserializable' in o) throw new Error('#unserializable');
  if ('#map' in o) return { map: (o['#map'] as [unknown, unknown][]).map(([k, x]) => [typeOf(k), typeOf(x)] as [Ty, Ty]).reduce((a, b) => [unify(a[0], b[0]), unify(a[1], b[1])], ['?', '?'] as [Ty, Ty]) };
  if ('#tup' in o) return { tup: (o['#tup'] as unknown[]).map(typeOf) };
  if (Object.keys(o).length === 2 && 'tag' in o && 'value' in o) return { sum: { [String(o['tag'])]: typeOf(o['value']) } };
  return { rec: Object.fromEntries(Object.entries(o).map(([k, x]) => [k, typeOf(x)])) };
}

/** One type for both, or an error naming the conflict. */
function unify(a: Ty, b: Ty, at = ''): Ty {
  if (a === '?') return b;
  if (b === '?') return a;
  if (typeof a === 'string' || typeof b === 'string') {
    if (a !== b) throw new Error(`${at}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
    return a;
  }
  if ('list' in a && 'list' in b) return { list: unify(a.list, b.list, `${at}[]`) };
  if ('map' in a && 'map' in b) return { map: [unify(a.map[0], b.map[0], `${at}{k}`), unify(a.map[1], b.map[1], `${at}{v}`)] };
  if ('tup' in a && 'tup' in b && a.tup.length === b.tup.length) return { tup: a.tup.map((x, i) => unify(x, b.tup[i]!, at)) };
  if ('rec' in a && 'rec' in b) {
    const ka = Object.keys(a.rec).sort().join(',');
    const kb = Object.keys(b.rec).sort().join(',');
    if (ka !== kb) throw new Error(`${at}: record fields {${ka}} vs {${kb}}`);
    return { rec: Object.fromEntries(Object.keys(a.rec).map((k) => [k, unify(a.rec[k]!, b.rec[k]!, `${at}.${k}`)])) };
  }
  if ('sum' in a && 'sum' in b) {
    const out: Record<string, Ty> = { ...a.sum };
    for (const [t, x] of Object.entries(b.sum)) out[t] = t in out ? unify(out[t]!, x, `${at}<${t}>`) : x;
    return { sum: out };
  }
  throw new Error(`${at}: ${JSON.stringify(a).slice(0, 80)} vs ${JSON.stringify(b).slice(0, 80)}`);
}

describe('ITF export', () => {
  it('encodes integer-keyed objects as maps, big numbers as #bigint, null and absent fields as options', () => {
    expect(toItf({ 55: { irq: 48 } })).toEqual({ '#map': [[55, { irq: 48 }]] });
    expect(toItf({})).toEqual({ '#map': [] });
    expect(toItf(2 ** 60)).toEqual({ '#bigint': String(2 ** 60) });
    expect(toItf([1, 'a', true])).toEqual([1, 'a', true]);
    const values = [{ a: null, b: 1 }, { a: { x: 1 } }];
    const shape = itfShape(values);
    expect(toItf(values[0], shape)).toEqual({ a: { tag: 'None', value: { '#tup': [] } }, b: { tag: 'Some', value: 1 } });
    expect(toItf({ a: { x: 1 }, b: undefined }, shape)).toEqual({ a: { tag: 'Some', value: { x: 1 } }, b: { tag: 'None', value: { '#tup': [] } } });
    expect(() => toItf(null)).toThrow(TraceError);
  });

  it.each(files)('%s: loads with Quint ofItfNormalized; one type per variable in every state', (file) => {
    const t = loadTraceFile(join(dir, file));
    const doc = traceToItf(t) as { vars: string[]; states: Record<string, unknown>[] };
    expect(doc.states).toHaveLength(t.actions.length + 1);
    expect(doc.vars[0]).toBe('action');
    doc.states.forEach((s, i) => {
      expect(s['#meta']).toEqual({ index: i });
      for (const v of doc.vars) expect(s[v], `${v} in state ${i}`).toBeDefined();
    });
    expect(doc.states[1]!['action']).toMatchObject({ tag: t.actions[0]!.kind });
    const text = JSON.stringify(doc);
    expect(text).not.toContain('#unserializable');
    expect(text).not.toMatch(/[:,[]null\b/);
    for (const v of doc.vars) doc.states.map((s) => typeOf(s[v])).reduce((a, b) => unify(a, b, v), '?');
    expect(ofItfNormalized(doc)).toHaveLength(doc.states.length);
  });

  it('the type check is not a formality: a variable whose type changes is caught', () => {
    expect(() => unify(typeOf({ a: 1 }), typeOf({ a: 'x' }), 'v')).toThrow(/v\.a/);
    expect(() => unify(typeOf({ a: 1 }), typeOf({ b: 1 }), 'v')).toThrow(/record fields/);
  });

  it('refuses a trace with a step the model cannot run, instead of exporting part of it', () => {
    const raw = JSON.parse(readFileSync(join(dir, files.find((f) => f.startsWith('reboot-hvm--'))!), 'utf8')) as { actions: unknown[] };
    raw.actions.splice(1, 0, { kind: 'toolstack.libxl__destroy_domid', domid: 7, dev: 0 });
    const t = loadTraceText(JSON.stringify(raw));
    expect(() => traceToItf(t)).toThrow(/step 2 .* not possible in the model.*nothing exported/);
  });
});
