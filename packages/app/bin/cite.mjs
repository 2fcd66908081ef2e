#!/usr/bin/env -S node
// The `cite` command. Sources are TypeScript run through tsx (no build step to forget).
// Its node flags go on the first line, read by cli/node-flags.ts (the image and the benchmarks run them too).
// None today: a --max-semi-space-size there would override the worker threads' own caps (core/system/thread-heap.ts).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
await main(process.argv);
