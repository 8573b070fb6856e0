// Builds the extension bundle and the history page's script (dist/) and, with --tests, the test files (out/test/).
// One bundler for both keeps the tests running exactly the code that ships.
import * as esbuild from 'esbuild';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const tests = process.argv.includes('--tests');
const production = process.argv.includes('--production');

function testFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? testFiles(join(dir, e.name)) : e.name.endsWith('.test.ts') ? [join(dir, e.name)] : [],
  );
}

if (tests) {
  // Tests of files since renamed or removed must not run from an older build.
  rmSync('out/test', { recursive: true, force: true });
  await esbuild.build({
    entryPoints: testFiles('test'),
    outdir: 'out/test',
    outbase: 'test',
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    sourcemap: 'inline',
    // Tests load their libraries (playwright-core, vscode-jsonrpc) from node_modules,
    // and a stub in place of the editor's own `vscode` module.
    packages: 'external',
    alias: { vscode: './test/unit/vscodeStub.ts' },
    logLevel: 'warning',
  });
} else {
  const common = { bundle: true, minify: production, sourcemap: !production, logLevel: 'warning' };
  await Promise.all([
    esbuild.build({
      ...common,
      entryPoints: ['src/extension.ts'],
      outfile: 'dist/extension.js',
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      external: ['vscode'],
    }),
    // The history page's script runs in the webview (a browser), not in node.
    esbuild.build({
      ...common,
      entryPoints: ['src/webview/history.ts'],
      outfile: 'dist/history.js',
      platform: 'browser',
      target: 'chrome114',
      format: 'iife',
    }),
  ]);
}
