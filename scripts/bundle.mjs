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
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const OUT_DIR = `${ROOT}dist/bundle`;

/**
 * Two modules every dockerode import evaluates and devenv uses only on request: the
 * ssh:// transport of docker-modem (ssh2 and its crypto) and dockerode's BuildKit session
 * (gRPC, protobufjs). Each becomes a stub that requires the real module on first call,
 * from node_modules, so DOCKER_HOST=ssh://… still works.
 */
const loadOnFirstUse = {
  name: 'load-on-first-use',
  setup(builder) {
    const stubs = [
      { filter: /[\\/]docker-modem[\\/]lib[\\/]ssh\.js$/, module: 'docker-modem/lib/ssh.js' },
      { filter: /[\\/]dockerode[\\/]lib[\\/]session\.js$/, module: 'dockerode/lib/session.js' },
    ];
    for (const stub of stubs) {
      builder.onLoad({ filter: stub.filter }, () => ({
        contents: `module.exports = function () { return require(${JSON.stringify(stub.module)}).apply(this, arguments); };`,
        loader: 'js',
      }));
    }
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
  external: ['docker-modem/lib/ssh.js', 'dockerode/lib/session.js', '*.node'],
  // The sources are ESM: import.meta.url becomes the bundle's own URL (see src/core/package-files.ts).
  define: { 'import.meta.url': '__devenvBundleUrl' },
  banner: { js: "const __devenvBundleUrl = require('node:url').pathToFileURL(__filename).href;" },
  logLevel: 'warning',
});
if (result.errors.length > 0) process.exit(1);
