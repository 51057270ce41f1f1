import type { FastifyInstance } from 'fastify';

/**
 * What every service's main.ts does after wiring: listen, then on SIGINT or SIGTERM close gracefully
 * (finish in-flight work, disconnect) and exit 0, or 1 if closing failed.
 */
export async function serveUntilSignalled(
  runtime: { readonly app: FastifyInstance; close(): Promise<void> },
  address: { readonly port: number; readonly host: string },
): Promise<void> {
  await runtime.app.listen(address);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      runtime.app.log.info({ signal }, 'shutting down');
      void runtime.close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    });
  }
}
