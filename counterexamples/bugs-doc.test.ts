/**
 * docs/bugs.md's generated tables are what `npm run docs` makes of the committed expectations.json, and the
 * prose's stated verdicts appear in them.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadTraceFile } from '../checker/trace.ts';
import { readExpectations } from './corpus.ts';
import { BUGS_DOC_REGIONS, beginMarker, endMarker, generateBugsDoc } from './bugs-doc.ts';

const dir = dirname(fileURLToPath(import.meta.url));
const docPath = join(dir, '..', 'docs', 'bugs.md');
const doc = readFileSync(docPath, 'utf8');
const exp = readExpectations(dir);

describe('docs/bugs.md', () => {
  it('has every generated region', () => {
    for (const r of BUGS_DOC_REGIONS) {
      expect(doc).toContain(beginMarker(r.name));
      expect(doc).toContain(endMarker(r.name));
    }
  });
  it('its generated tables equal what npm run docs makes of expectations.json', () => {
    expect(doc, 'docs/bugs.md is out of date: npm run docs').toBe(generateBugsDoc(doc, exp, (f) => loadTraceFile(join(dir, f)).steps.length));
  });
  it('every report it links to exists in the corpus', () => {
    const links = [...doc.matchAll(/\.\.\/counterexamples\/([^)\s]+\.md)/g)].map((m) => m[1]!);
    expect(links.length).toBeGreaterThan(0);
    const named = new Set(exp.configurations.flatMap((r) => Object.values(r.traces)).map((f) => f.replace(/\.json$/, '.md')));
    expect(links.filter((l) => !named.has(l))).toEqual([]);
  });
});
