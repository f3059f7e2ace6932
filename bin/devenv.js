#!/usr/bin/env node
/**
 * devenv's entry point: runs the bundled CLI (dist/bundle/devenv.cjs, made by
 * scripts/bundle.mjs) compiled from V8's code cache.
 *
 * Why: devenv is run many times a day and its start-up is part of every command's
 * time. Node 22 caches compiled code itself (module.enableCompileCache); devenv
 * supports Node 20, so it does the same here in a few lines. The cache is only a
 * speed-up: when it is missing, stale or unwritable, the bundle compiles from source.
 *
 * CommonJS (bin/package.json says so): an ES module entry point costs Node ~6 ms of
 * loader set-up at every start.
 */
const { accessSync, constants, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } = require('node:fs');
const { createRequire } = require('node:module');
const { homedir } = require('node:os');
const { basename, dirname, join } = require('node:path');
const { Script } = require('node:vm');

/** Distinct commands folded into one cache at most (a typo is a command too). */
const MAX_FOLDED_COMMANDS = 24;

const bundle = join(__dirname, '..', 'dist', 'bundle', 'devenv.cjs');

let source;
let stat;
try {
  source = readFileSync(bundle, 'utf8');
  stat = statSync(bundle);
} catch {
  process.stderr.write(`devenv: ${bundle} is missing: run \`npm run build\` in ${join(__dirname, '..')}\n`);
  process.exit(1);
}

// Keyed by the bundle's size and time: a rebuilt bundle never meets an older cache.
const cacheName = `${basename(bundle)}.${stat.size}-${Math.trunc(stat.mtimeMs)}.v8cache`;
const cacheDir = writableDir(dirname(bundle)) ?? join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'devenv');
const cacheFile = join(cacheDir, cacheName);

let cachedData;
try {
  cachedData = readFileSync(cacheFile);
} catch {
  cachedData = undefined;
}

const wrapper = `(function (exports, require, module, __filename, __dirname) {${source}\n})`;
const script = new Script(wrapper, { filename: bundle, cachedData });

// The cache is written at exit, so it holds every function the run compiled. Each
// command uses other functions (exec is not provision), so the first run of a command
// the cache has not seen writes it again, with that command's functions added: after
// a few commands it covers what this user runs, and later runs write nothing.
const commandsFile = `${cacheFile}.commands`;
const command = process.argv.slice(2).find((arg) => !arg.startsWith('-')) ?? '(none)';
const fresh = cachedData === undefined || script.cachedDataRejected;
let folded = [];
if (!fresh) {
  try {
    folded = readFileSync(commandsFile, 'utf8').split('\n').filter(Boolean);
  } catch {
    folded = [];
  }
}
if (fresh || (!folded.includes(command) && folded.length < MAX_FOLDED_COMMANDS)) {
  process.once('exit', () => saveCache(script, fresh ? [command] : [...folded, command]));
}

const bundleModule = { exports: {}, filename: bundle, id: bundle, loaded: false };
script.runInThisContext()(bundleModule.exports, createRequire(bundle), bundleModule, bundle, dirname(bundle));

function saveCache(compiled, commands) {
  try {
    mkdirSync(cacheDir, { recursive: true });
    const temporary = `${cacheFile}.${process.pid}.tmp`;
    writeFileSync(temporary, compiled.createCachedData());
    renameSync(temporary, cacheFile);
    writeFileSync(temporary, `${commands.join('\n')}\n`);
    renameSync(temporary, commandsFile);
    for (const name of readdirSync(cacheDir)) {
      const ours = name.startsWith(`${basename(bundle)}.`) && (name.endsWith('.v8cache') || name.endsWith('.v8cache.commands'));
      if (ours && !name.startsWith(cacheName)) rmSync(join(cacheDir, name), { force: true });
    }
  } catch {
    // A read-only install or a full disk: devenv still works, it just compiles each time.
  }
}

function writableDir(dir) {
  try {
    accessSync(dir, constants.W_OK);
    return dir;
  } catch {
    return undefined;
  }
}
