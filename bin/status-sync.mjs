#!/usr/bin/env node
// One rule picks what runs: in a checkout (the TypeScript sources are next to
// this file) the sources, through tsx, so `npx status-sync` works right after
// `npm ci` and always runs what was just edited; in the installed package
// (sources not shipped) the compiled JavaScript of dist/, with no tsx at all.
import { existsSync } from 'node:fs';

// The AWS SDK prints a nine-line NodeVersionSupportWarning on Node 20 (support
// ends January 2027) before any output of ours. Quieted with the switch the SDK
// documents for exactly that warning (aws/aws-sdk-js-v3#7983), rather than
// filtering process warnings: every other warning still shows, and the engines
// field stays Node 20 (the Lambda runtime and this machine). A user who sets the
// variable keeps their own value.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

// A reader that stops early (`status-sync status 777 | head -3`) closes the
// pipe: the next write fails with EPIPE. Stop writing to that stream and let
// the command finish normally (a poll half-done is worse than lost output);
// without this handler Node prints the error's stack and exits 1.
const closed = { stdout: false, stderr: false };
for (const name of /** @type {const} */ (['stdout', 'stderr'])) {
  process[name].on('error', (error) => {
    if (error.code === 'EPIPE') closed[name] = true;
    else throw error;
  });
}
const write = (name) => (text) => {
  if (!closed[name]) process[name].write(text);
};

const source = new URL('../cli/main.ts', import.meta.url);
let cli;
if (existsSync(source)) {
  const { register } = await import('tsx/esm/api');
  register();
  cli = await import(source.href);
} else {
  cli = await import('../dist/esm/cli/main.js');
}
const { runCli } = cli;
process.exitCode = await runCli(process.argv.slice(2), {
  env: process.env,
  stdout: write('stdout'),
  stderr: write('stderr'),
  stdoutIsTTY: process.stdout.isTTY === true,
});
