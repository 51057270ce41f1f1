// The query API's composition root: read config, wire, listen, shut down gracefully.
import { serveUntilSignalled } from '@carestream/service-kit';
import { startApi } from './api-runtime.ts';
import { loadApiConfig } from './config.ts';

const config = loadApiConfig(process.env);
await serveUntilSignalled(await startApi(config, { logger: true }), config);
