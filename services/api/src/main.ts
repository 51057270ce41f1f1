// The query API's composition root: read config, wire, listen, shut down gracefully.
import { startApi } from './api-runtime.ts';
import { loadApiConfig } from './config.ts';

const config = loadApiConfig(process.env);
const runtime = await startApi(config, { logger: true });
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
