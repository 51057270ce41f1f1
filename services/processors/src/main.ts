// The processors service's composition root: read config, start the selected processors, serve /metrics.
import { loadProcessorsConfig } from './config.ts';
import { startProcessors } from './processors-runtime.ts';

const config = loadProcessorsConfig(process.env);
const runtime = await startProcessors(config, { logger: true });
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
