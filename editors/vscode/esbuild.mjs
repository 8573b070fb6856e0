// Builds the extension bundle (dist/) and, with --tests, the test files (out/test/).
// One bundler for both keeps the tests running exactly the code that ships.
import * as esbuild from 'esbuild';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const tests = process.argv.includes('--tests');
const production = process.argv.includes('--production');

function testFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? testFiles(join(dir, e.name)) : e.name.endsWith('.test.ts') ? [join(dir, e.name)] : [],
  );
}

if (tests) {
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
  await esbuild.build({
    entryPoints: ['src/extension.ts'],
    outfile: 'dist/extension.js',
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    external: ['vscode'],
    minify: production,
    sourcemap: !production,
    logLevel: 'warning',
  });
}
