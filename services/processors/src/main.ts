// The processors service's composition root: read config, start the selected processors, serve /metrics.
import { serveUntilSignalled } from '@carestream/service-kit';
import { loadProcessorsConfig } from './config.ts';
import { startProcessors } from './processors-runtime.ts';

const config = loadProcessorsConfig(process.env);
await serveUntilSignalled(await startProcessors(config, { logger: true }), config);
