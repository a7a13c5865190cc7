#!/usr/bin/env node
// The CLI runs straight from the TypeScript sources, so `npx weightlapse` works right after `npm ci`.
import { register } from 'tsx/esm/api';

register();
await import('./main.ts');
