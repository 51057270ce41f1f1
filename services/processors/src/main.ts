// The processors service's composition root: read config, start the selected processors, serve /metrics.
import { setFlagsFromString } from 'node:v8';
import { serveUntilSignalled } from '@carestream/service-kit';
import { loadProcessorsConfig } from './config.ts';
import { startProcessors } from './processors-runtime.ts';

const config = loadProcessorsConfig(process.env);
// A transaction's events, states and parameters live for its whole round trip, so they outlive the young
// generation and die in the old one; V8's own heuristic let the old generation grow to three or four times what
// survived before collecting it, which made the peaks of the processors' memory. The default here (200%) holds
// it to three times. V8 reads the flag at every full collection, so setting it here, before any work, takes
// effect (docs/benchmarks.md, "The old generation's growth").
if (config.heapGrowingPercent > 0) setFlagsFromString(`--heap-growing-percent=${config.heapGrowingPercent}`);
await serveUntilSignalled(await startProcessors(config, { logger: true }), config);
