/** Where the integration tests' real Kafka broker, schema registry and PostgreSQL are. */
export interface ServiceEndpoints {
  readonly kafkaBrokers: string;
  readonly schemaRegistryUrl: string;
  readonly databaseUrl: string;
  /** How they were found: the environment, testcontainers, or the local stack script. */
  readonly source: 'environment' | 'testcontainers' | 'local-stack';
}

declare module 'vitest' {
  export interface ProvidedContext {
    services: ServiceEndpoints;
  }
}
