/**
 * Validation of a JUnit report against Jenkins' junit-4.xsd (ci/junit/jenkins-junit-4.xsd), with libxml2's
 * xmllint compiled to WebAssembly (xmllint-wasm, a development dependency): used by the tests.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { validateXML } from 'xmllint-wasm';

export const JUNIT_XSD_PATH = fileURLToPath(new URL('../ci/junit/jenkins-junit-4.xsd', import.meta.url));

/** The schema's complaints about `xml` (none: valid). */
export async function junitSchemaErrors(xml: string): Promise<string[]> {
  const r = await validateXML({ xml: [{ fileName: 'junit.xml', contents: xml }], schema: [readFileSync(JUNIT_XSD_PATH, 'utf8')] });
  return r.errors.map((e) => e.rawMessage);
}
