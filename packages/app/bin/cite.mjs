#!/usr/bin/env -S node --max-semi-space-size=4
// The `cite` command. Sources are TypeScript run through tsx (no build step to forget).
// Its node flags are on the first line, read by cli/node-flags.ts (the image and the benchmarks run them too):
// --max-semi-space-size caps V8's young generation, which only a flag at start can set (node-flags.ts says why).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
await main(process.argv);
