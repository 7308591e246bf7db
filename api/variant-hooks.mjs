// Module loader hooks for variant files (api/load.ts registers them after tsx's, so they run first).
//
// A variant file may live in any directory, where Node would take a .ts or .js file for CommonJS (no
// package.json saying "type": "module"): tsx then compiles it to CommonJS and Node's require(esm) of it
// fails with ERR_REQUIRE_CYCLE_MODULE. The file is imported with the query `?pirqcheck-variant`; these
// hooks load it, and the user's own modules it imports, as ES modules whatever their directory says, and
// resolve the bare specifier 'pirqcheck' to the API of the pirqcheck that runs it (the same module
// instances, so `pirqcheck` need not be installed where the file is).
const MARK = 'pirqcheck-variant';
const EXT = /\.(m?ts|m?js|tsx)$/;
let root = '';
let api = '';

export function initialize(data) {
  root = data.root;
  api = data.api;
}

function marked(url) {
  return typeof url === 'string' && url.includes(`?${MARK}`);
}

export async function resolve(specifier, context, nextResolve) {
  const fromVariant = marked(context.parentURL);
  if (fromVariant && specifier === 'pirqcheck') return nextResolve(api, context);
  const r = await nextResolve(specifier, context);
  if (!r.url.startsWith('file:')) return r;
  const path = r.url.split('?')[0];
  const own = !path.startsWith(root) && !path.includes('/node_modules/') && EXT.test(path);
  if (marked(r.url) || (fromVariant && own)) {
    return { ...r, url: marked(r.url) ? r.url : `${r.url}${r.url.includes('?') ? '&' : '?'}${MARK}`, format: 'module' };
  }
  return r;
}
