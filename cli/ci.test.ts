/** The example GitHub Actions workflow runs what .ci/run runs: the same install, the same suite (plus JUnit). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');
const read = (p: string) => readFileSync(join(ROOT, p), 'utf8');

describe('CI', () => {
  const workflow = read('.github/workflows/pirqcheck.yml');
  const ciRun = read('.ci/run');
  const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;

  it('the PR tier installs as .ci/run does', () => {
    const install = /^npm ci.*$/m.exec(ciRun)?.[0];
    expect(install).toBeDefined();
    expect(workflow).toContain(`- run: ${install}`);
  });

  it('the PR tier runs npm test with a JUnit reporter added, nothing else changed', () => {
    expect(ciRun).toMatch(/^npm test$/m);
    expect(workflow).toContain('- run: npm run test:junit');
    expect(scripts['test:junit']!.startsWith(`${scripts['test']!} `)).toBe(true);
    expect(scripts['test:junit']!.slice(scripts['test']!.length)).toBe(' --reporter=default --reporter=junit --outputFile.junit=junit.xml');
  });

  it('the nightly tier fuzzes every shard and uploads its findings', () => {
    const shards = /shard: \[([\d, ]+)\]/.exec(workflow)?.[1]?.split(',').map((x) => Number(x.trim()));
    expect(shards).toEqual(Array.from({ length: shards!.length }, (_, i) => i + 1));
    expect(workflow).toContain(`--shard \${{ matrix.shard }}/${shards!.length} --out fuzz-out`);
    expect(workflow).toMatch(/path: fuzz-out\//);
  });
});
