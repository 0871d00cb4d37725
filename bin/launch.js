// Shared launcher for every program: runs the TypeScript sources in a checkout, the compiled
// dist/ when installed as a package (Node does not strip types under node_modules).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Imports src/cli/NAME.ts (checkout) or dist/cli/NAME.js (installed package). */
export async function launch(name) {
  const [major, minor] = process.versions.node.split('.').map(Number);
  if (major < 22 || (major === 22 && minor < 12)) {
    process.stderr.write(`${name}: Node.js >= 22.12 is required (this is ${process.versions.node}); run it through npx or npm scripts to use the pinned Node 24\n`);
    process.exit(3);
  }
  const src = fileURLToPath(new URL(`../src/cli/${name}.ts`, import.meta.url));
  const inPackage = src.includes('/node_modules/');
  await import(!inPackage && existsSync(src) ? src : `../dist/cli/${name}.js`);
}
