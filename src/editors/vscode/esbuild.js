// Bundles the extension and the TypeScript client (with vscode-jsonrpc) into one file: the .vsix ships no node_modules.
require("esbuild").build({
  entryPoints: ["src/extension.ts"],
  bundle: true,
  platform: "node",
  target: "node18",
  format: "cjs",
  external: ["vscode"],
  outfile: "dist/extension.js",
  sourcemap: true,
  logLevel: "warning",
}).catch(() => process.exit(1));
