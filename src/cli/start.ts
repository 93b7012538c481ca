#!/usr/bin/env node
// The entry point: turns on Node's compile cache (V8 keeps the compiled agent on disk, so the next start skips
// parsing it: every hook starts faster), then runs the composition root. The cache lives beside the bundle, never
// in TMPDIR (which a run may point at a scratch directory); where that is not writable, starts are only slower.
import { enableCompileCache } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

enableCompileCache?.(join(dirname(fileURLToPath(import.meta.url)), '.compile-cache'));
await import('./main.ts');
