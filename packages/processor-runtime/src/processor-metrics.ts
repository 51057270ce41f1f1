import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** The runtime's metrics, registered on a registry the service passes in (never the global one). */
export class ProcessorMetrics {
  readonly events: Counter<'processor' | 'outcome'>;
  readonly batchSize: Histogram<'processor'>;
  readonly batchDuration: Histogram<'processor'>;
  readonly transactionBatches: Histogram<'processor'>;
  readonly lag: Gauge<'processor' | 'topic' | 'partition'>;
  readonly freshness: Histogram<'processor'>;
  readonly retries: Counter<'processor' | 'reason'>;

  constructor(registry: Registry) {
    this.events = new Counter({
      name: 'carestream_processor_events_total',
      help: 'Messages handled by a processor, by outcome: applied, skipped (offset already applied), dead_lettered.',
      labelNames: ['processor', 'outcome'],
      registers: [registry],
    });
    this.batchSize = new Histogram({
      name: 'carestream_processor_batch_size',
      help: 'Messages per partition batch.',
      labelNames: ['processor'],
      buckets: [1, 10, 50, 100, 500, 1000, 5000, 10000],
      registers: [registry],
    });
    this.batchDuration = new Histogram({
      name: 'carestream_processor_batch_duration_seconds',
      help: "Time to decode one partition batch, apply it in its group's transaction and commit.",
      labelNames: ['processor'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    });
    this.transactionBatches = new Histogram({
      name: 'carestream_processor_transaction_batches',
      help: 'Partition batches per transaction (group commit: the batches of a fetch share one).',
      labelNames: ['processor'],
      buckets: [1, 2, 4, 8, 12, 16, 24, 36, 64],
      registers: [registry],
    });
    this.lag = new Gauge({
      name: 'carestream_processor_consumer_lag',
      help: 'Messages between the last applied offset and the partition high watermark.',
      labelNames: ['processor', 'topic', 'partition'],
      registers: [registry],
    });
    this.freshness = new Histogram({
      name: 'carestream_processor_freshness_seconds',
      help: 'Wall-clock time at commit minus the event time of each applied event.',
      labelNames: ['processor'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600],
      registers: [registry],
    });
    this.retries = new Counter({
      name: 'carestream_processor_retries_total',
      help: 'Batches retried after a transient fault (Postgres, Kafka or registry unavailable).',
      labelNames: ['processor', 'reason'],
      registers: [registry],
    });
  }
}
