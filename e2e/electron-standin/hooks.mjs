// Node module loader hooks (module.register, tests only): `import … from 'electron'` inside the built
// main process (out/main/…?app=N) resolves to the stand-in instance N (electron.mjs?app=N). Nothing
// else is touched, and production code never sees this file.
const SHIM = new URL('./electron.mjs', import.meta.url);

export async function resolve(specifier, context, nextResolve) {
  if (specifier === 'electron' && context.parentURL) {
    const parent = new URL(context.parentURL);
    const app = parent.searchParams.get('app');
    if (app && parent.pathname.includes('/out/main/')) {
      const url = new URL(SHIM);
      url.searchParams.set('app', app);
      return { url: url.href, format: 'module', shortCircuit: true };
    }
  }
  return nextResolve(specifier, context);
}
