/**
 * Bundles the CLI into one CommonJS file, dist/bundle/devenv.cjs, which bin/devenv.js
 * loads through V8's code cache.
 *
 * Why: devenv is a command run many times a day, and on Node 20 loading ~400 small
 * modules (dockerode alone pulls ~230 files, ssh2 and gRPC among them) cost ~0.25 s
 * before any work. One file, compiled from the code cache, starts in ~0.1 s.
 * tsc still type-checks and emits dist/ (scripts and tests import those modules).
 */
import { build } from 'esbuild';
import { readFileSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const OUT_DIR = `${ROOT}dist/bundle`;

/**
 * Modules devenv uses only on request, kept out of the bundle: every byte of it is
 * read and deserialised at each start (~10 ms per MB). Each becomes a stub that
 * requires the real module from node_modules on first use:
 * - docker-modem's ssh:// transport (ssh2 and its crypto), dockerode's BuildKit
 *   session (gRPC) and BuildKit progress decoder (protobufjs): DOCKER_HOST=ssh://
 *   and BuildKit builds still work;
 * - @inquirer/prompts (with iconv-lite and chardet, ~0.6 MB): asked only when a
 *   person answers a question, where its load time does not matter.
 */
const loadOnFirstUse = {
  name: 'load-on-first-use',
  setup(builder) {
    const stubs = [
      { filter: /[\\/]docker-modem[\\/]lib[\\/]ssh\.js$/, module: 'docker-modem/lib/ssh.js', kind: 'function' },
      { filter: /[\\/]dockerode[\\/]lib[\\/]session\.js$/, module: 'dockerode/lib/session.js', kind: 'function' },
      // docker.js requires it inside followProgress: the stub is evaluated only then.
      { filter: /[\\/]dockerode[\\/]lib[\\/]buildkit\.js$/, module: 'dockerode/lib/buildkit.js', kind: 'module' },
    ];
    for (const stub of stubs) {
      builder.onLoad({ filter: stub.filter }, () => ({
        contents:
          stub.kind === 'function'
            ? `module.exports = function () { return require(${JSON.stringify(stub.module)}).apply(this, arguments); };`
            : `module.exports = require(${JSON.stringify(stub.module)});`,
        loader: 'js',
      }));
    }
    // A package imported with import(): a bundled stub that requires it from node_modules
    // when first imported (vm.Script, which runs the bundle, has no import() of its own).
    builder.onResolve({ filter: /^@inquirer\/prompts$/ }, (args) =>
      args.namespace === 'load-on-first-use' ? { path: args.path, external: true } : { path: args.path, namespace: 'load-on-first-use' },
    );
    builder.onLoad({ filter: /.*/, namespace: 'load-on-first-use' }, (args) => ({
      contents: `module.exports = require(${JSON.stringify(args.path)});`,
      loader: 'js',
    }));
    // docker-modem formats every request for its debug log, enabled or not: util.inspect
    // of the options at full depth, ~9 ms of a provision. Formatted only when DEBUG asks.
    builder.onLoad({ filter: /[\\/]docker-modem[\\/]lib[\\/]modem\.js$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      const eager = "debug('Sending: %s', util.inspect(options, {";
      if (!source.includes(eager)) throw new Error(`docker-modem changed: "${eager}" not found in ${args.path}; review the patch in scripts/bundle.mjs`);
      return { contents: source.replace(eager, `debug.enabled && ${eager}`), loader: 'js' };
    });
    // zod's index re-exports ~50 locales (~0.25 MB) as \`z.locales\`; devenv uses English only.
    builder.onLoad({ filter: /[\\/]zod[\\/]v4[\\/]locales[\\/]index\.js$/ }, () => ({
      contents: 'export { default as en } from "./en.js";',
      loader: 'js',
    }));
  },
};

rmSync(OUT_DIR, { recursive: true, force: true });
const result = await build({
  entryPoints: [`${ROOT}src/cli/main.ts`],
  outfile: `${OUT_DIR}/devenv.cjs`,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  // Shorter source is less to read and hash at every start; names stay readable in stacks.
  minifyWhitespace: true,
  minifySyntax: true,
  sourcemap: 'linked',
  plugins: [loadOnFirstUse],
  // The real modules behind the stubs, and native addons, load from node_modules at run time.
  external: ['docker-modem/lib/ssh.js', 'dockerode/lib/session.js', 'dockerode/lib/buildkit.js', '*.node'],
  // The sources are ESM: import.meta.url becomes the bundle's own URL (see src/core/package-files.ts).
  define: { 'import.meta.url': '__devenvBundleUrl' },
  banner: { js: "const __devenvBundleUrl = require('node:url').pathToFileURL(__filename).href;" },
  logLevel: 'warning',
  metafile: true,
});
if (result.errors.length > 0) process.exit(1);

// An import() left in the bundle (a node: builtin, or an external loaded with import())
// fails at run time: the bundle runs in a vm.Script, which has no dynamic import. Use a
// static import, or a stub above.
// One byte outside ASCII makes Node decode the whole bundle as UTF-16 at every start
// (~5 ms instead of ~1 for 1.5 MB). esbuild escapes strings itself, not String.raw text.
const bundled = readFileSync(`${OUT_DIR}/devenv.cjs`);
const wide = bundled.findIndex((byte) => byte > 0x7f);
if (wide !== -1) {
  const line = bundled.subarray(0, wide).toString('latin1').split('\n').length;
  console.error(`bundle: a non-ASCII character on line ${line} of dist/bundle/devenv.cjs (in a String.raw?): write it as an escape`);
  process.exit(1);
}

const dynamic = Object.values(result.metafile.outputs).flatMap((output) => output.imports.filter((i) => i.kind === 'dynamic-import'));
if (dynamic.length > 0) {
  console.error(`bundle: import() of ${dynamic.map((i) => i.path).join(', ')} would fail in the bundle: import it statically`);
  process.exit(1);
}
