// The processors service's composition root: read config, start the selected processors, serve /metrics.
import { setFlagsFromString } from 'node:v8';
import { serveUntilSignalled } from '@carestream/service-kit';
import { loadProcessorsConfig } from './config.ts';
import { startProcessors } from './processors-runtime.ts';

const config = loadProcessorsConfig(process.env);
// A transaction's events, states and parameters live for its whole round trip, so they outlive the young
// generation and die in the old one; V8 by default lets the old generation grow to about three times what survives
// before collecting it, which made the peaks of the processors' memory. V8 reads this flag at every full
// collection, so setting it here, before any work, takes effect (docs/benchmarks.md, "Memory").
if (config.heapGrowingPercent > 0) setFlagsFromString(`--heap-growing-percent=${config.heapGrowingPercent}`);
await serveUntilSignalled(await startProcessors(config, { logger: true }), config);
