// The ingest service's composition root: read config, wire, listen, shut down gracefully.
import { loadIngestConfig } from './config.ts';
import { startIngest } from './ingest-runtime.ts';

const config = loadIngestConfig(process.env);
const runtime = await startIngest(config, { logger: true });
await runtime.app.listen({ port: config.port, host: config.host });

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    runtime.app.log.info({ signal }, 'shutting down');
    void runtime.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}
