// Module loader hooks for variant files (api/load.ts registers them after tsx's, so they run first).
//
// A variant file may live in any directory, where Node takes a .ts or .js file for CommonJS (no package.json
// saying "type": "module"): tsx then compiles it to CommonJS, and Node's require(esm) of it fails with
// ERR_REQUIRE_CYCLE_MODULE. The file is imported with the query `?pirqcheck-variant`; these hooks load it,
// and the user's own modules it imports by path, as ES modules whatever their directory says, and resolve
// the bare specifier 'pirqcheck' to the API of the pirqcheck that runs it (the same module instances, so
// pirqcheck need not be installed where the file is). A file is the one named: tsx's resolver would take
// my-fix.ts for my-fix.js when both exist.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const MARK = 'pirqcheck-variant';
const EXT = /\.(m?ts|m?js)$/;
let root = '';
let api = '';

export function initialize(data) {
  root = data.root;
  api = data.api;
}

function marked(url) {
  return typeof url === 'string' && new RegExp(`[?&]${MARK}(&|=|$)`).test(url);
}

export async function resolve(specifier, context, nextResolve) {
  if (marked(specifier)) return { url: specifier, format: 'module', shortCircuit: true };
  if (!marked(context.parentURL)) return nextResolve(specifier, context);
  if (specifier === 'pirqcheck') return nextResolve(api, context);
  if (/^(\.{1,2}\/|\/|file:)/.test(specifier)) {
    const url = new URL(specifier, context.parentURL.split('?')[0]);
    url.search = '';
    let path = fileURLToPath(url);
    // An import of './helper.js' written for the TypeScript file helper.ts, as TypeScript allows.
    if (!existsSync(path) && /\.m?js$/.test(path) && existsSync(path.replace(/js$/, 'ts'))) path = path.replace(/js$/, 'ts');
    const href = new URL(`file://${path}`).href;
    if (EXT.test(path) && !href.startsWith(root) && !path.includes('/node_modules/') && existsSync(path)) {
      return { url: `${href}?${MARK}`, format: 'module', shortCircuit: true };
    }
  }
  return nextResolve(specifier, context);
}
