import { describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadTraceFile } from './trace.ts';
import { toItf, traceToItf } from './trace-itf.ts';

const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'counterexamples');
const file = readdirSync(dir).find((f) => f.endsWith('.json') && f !== 'expectations.json')!;

describe('ITF export', () => {
  it('encodes integer-keyed objects as maps, null as unserializable, big numbers as #bigint', () => {
    expect(toItf({ 55: { irq: 48 } })).toEqual({ '#map': [[55, { irq: 48 }]] });
    expect(toItf({})).toEqual({ '#map': [] });
    expect(toItf(null)).toEqual({ '#unserializable': 'null' });
    expect(toItf(2 ** 60)).toEqual({ '#bigint': String(2 ** 60) });
    expect(toItf([1, 'a', true])).toEqual([1, 'a', true]);
  });

  it(`exports ${file}: one state per step plus the initial one, every state has every variable`, () => {
    const t = loadTraceFile(join(dir, file));
    const doc = traceToItf(t) as { vars: string[]; states: Record<string, unknown>[] };
    expect(doc.states).toHaveLength(t.actions.length + 1);
    expect(doc.vars[0]).toBe('action');
    doc.states.forEach((s, i) => {
      expect(s['#meta']).toEqual({ index: i });
      for (const v of doc.vars) expect(s[v], `${v} in state ${i}`).toBeDefined();
    });
    expect((doc.states[1]!['action'] as { kind: string }).kind).toBe(t.actions[0]!.kind);
    expect(JSON.stringify(doc)).not.toMatch(/[:,\[]null\b/);
  });
});
