/**
 * The JUnit report of the model's verdicts: valid against Jenkins' junit-4.xsd (the schema GitLab's parser
 * reads, vendored in ci/junit/), one case per configuration and invariant, and a changed verdict fails
 * exactly its own case.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { junitSchemaErrors } from './junit-xsd.ts';
import { INVARIANTS } from '../model/invariants.ts';
import { matrixEntries, matrixRow } from './matrix.ts';
import { exhaustiveSet } from './exhaustive.ts';
import { cellsFromMatrix, junitXml, xmlEscape, type ExpectationsLike } from './junit.ts';
import { CORPUS_SEARCH, readExpectations } from '../counterexamples/corpus.ts';

const ROOT = join(import.meta.dirname, '..');
const schemaErrors = junitSchemaErrors;

const CORPUS = join(ROOT, 'counterexamples');

describe('JUnit of the verdicts', async () => {
  const expectations = readExpectations(CORPUS);
  // seeds 003/004's reboot-hvm row: search and exploration both find violations there.
  const entry = matrixEntries().find((e) => e.config.scenario === 'reboot-hvm' && e.config.dom0 === 'pvops' && e.config.xen === '4.12' && e.config.toolstack === 'libxl')!;
  const row = matrixRow(entry, CORPUS_SEARCH);
  const explored = await exhaustiveSet(entry.config, INVARIANTS);
  const cells = cellsFromMatrix([row], CORPUS_SEARCH, [explored]);
  const opts = { name: 'pirqcheck matrix', corpusPath: CORPUS };

  it('has one case per invariant of the row, named by configuration and invariant, classname the scenario', () => {
    expect(cells.map((c) => c.invariant)).toEqual(INVARIANTS.map((i) => i.name));
    const { xml, summary } = junitXml(cells, expectations, opts);
    expect(summary).toEqual({ tests: INVARIANTS.length, failures: 0, skipped: 0 });
    const names = [...xml.matchAll(/<testcase classname="([^"]+)" name="([^"]+)"/g)].map((m) => [m[1], m[2]]);
    expect(names).toEqual(INVARIANTS.map((i) => ['reboot-hvm', `guest fresh-pirq, qemu unmap-on-disable, xen 4.12, dom0 pvops, toolstack libxl: ${i.name}`]));
  });

  it('validates against the JUnit schema, with and without failures', async () => {
    expect(await schemaErrors(junitXml(cells, expectations, opts).xml)).toEqual([]);
    expect(await schemaErrors(junitXml(cells, null, opts).xml)).toEqual([]);
    // The schema is not a formality: a case without a name is refused.
    expect((await schemaErrors(junitXml(cells, expectations, opts).xml.replace(/ name="[^"]*: clean-handover"/, ''))).length).toBeGreaterThan(0);
  });

  const flip = (e: ExpectationsLike, inv: string): ExpectationsLike => ({
    ...e,
    configurations: e.configurations.map((c) =>
      JSON.stringify(c.config) === JSON.stringify(entry.config) ? { ...c, verdicts: { ...c.verdicts, [inv]: c.verdicts[inv] === 'violated' ? 'holds' : 'violated' } } : c,
    ),
  });

  it('a verdict changed to holds fails exactly its case, with the counterexample and the replay command', () => {
    const { xml, summary } = junitXml(cells, flip(expectations, 'clean-handover'), opts);
    expect(summary.failures).toBe(1);
    const failed = [...xml.matchAll(/<testcase classname="[^"]+" name="([^"]+)">\s*<failure[^>]*>([^<]*)<\/failure>/g)];
    expect(failed.map((m) => m[1])).toEqual(['guest fresh-pirq, qemu unmap-on-disable, xen 4.12, dom0 pvops, toolstack libxl: clean-handover']);
    const text = failed[0]![2]!;
    expect(text).toContain('model:    search violated (5 steps)');
    expect(text).toContain('expected: search holds');
    // The steps, numbered, with the calls they made (formatSteps), and how to replay and reproduce them.
    expect(text).toMatch(/\n {2}1 {2}dom0 {3}pcistub_probe/);
    expect(text).toMatch(/ {2}5 {2}toolstack libxl__destroy_domid/);
    expect(text).toContain(xmlEscape('pirqcheck replay counterexamples/reboot-hvm--fresh-pirq--unmap-on-disable--4.12--pvops--libxl--clean-handover.json'));
    expect(text).toContain('pirqcheck check --scenario reboot-hvm --guest fresh-pirq --qemu unmap-on-disable --xen 4.12 --dom0 pvops --toolstack libxl --invariant clean-handover --seed 1 --runs 300 --max-steps 40');
  });

  it('a verdict changed to violated fails exactly its case, with the recorded expectation', () => {
    const { xml, summary } = junitXml(cells, flip(expectations, 'used-entries-accounting'), opts);
    expect(summary.failures).toBe(1);
    expect(xml).toMatch(/name="[^"]*: used-entries-accounting">\s*<failure type="verdict" message="verdict differs from expectations.json: search holds, exploration holds \(complete graph\); expected search violated/);
  });

  it('an exploration-only violation (enabled-vector-delivers, 9 steps) is part of the verdict', () => {
    const c = cells.find((x) => x.invariant === 'enabled-vector-delivers')!;
    expect(c.search?.verdict).toBe('holds');
    expect(c.explore).toMatchObject({ violated: true, steps: 9 });
    // Without the exploration's record the case fails, with the shortest counterexample and the explore command.
    const noExplore: ExpectationsLike = { ...expectations, configurations: expectations.configurations.map((r) => ({ ...r, explore: { violated: {} } })) };
    const { xml } = junitXml(cells, noExplore, opts);
    const m = /name="[^"]*: enabled-vector-delivers">\s*<failure[^>]*>([^<]*)</.exec(xml);
    expect(m?.[1]).toContain('shortest counterexample (breadth-first exploration, 9 steps):');
    expect(m?.[1]).toContain('pirqcheck explore --scenario reboot-hvm');
  });

  it("fuzz mode fails only on a violation the expectations do not record", () => {
    const { summary } = junitXml(cells, flip(expectations, 'clean-handover'), { ...opts, mode: 'new-violations' });
    expect(summary.failures).toBe(1);
    // The reverse (recorded violated, not found) is no news for fresh seeds.
    const { summary: s2 } = junitXml(cells, flip(expectations, 'used-entries-accounting'), { ...opts, mode: 'new-violations' });
    expect(s2.failures).toBe(0);
  });

  it('escapes markup and drops what XML 1.0 cannot carry', () => {
    expect(xmlEscape('a<b & "c">\x1b[31mred\x1b[39m\x01')).toBe('a&lt;b &amp; &quot;c&quot;&gt;red');
  });
});
