#!/usr/bin/env node
// Runs the TypeScript sources directly: tsx's loader is registered in this process, then main.ts runs.
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');
