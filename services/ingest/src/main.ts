// The ingest service's composition root: read config, wire, listen, shut down gracefully.
import { serveUntilSignalled } from '@carestream/service-kit';
import { loadIngestConfig } from './config.ts';
import { startIngest } from './ingest-runtime.ts';

const config = loadIngestConfig(process.env);
await serveUntilSignalled(await startIngest(config, { logger: true }), config);
