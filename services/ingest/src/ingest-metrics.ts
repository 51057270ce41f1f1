import type { CareEvent } from '@carestream/contract';
import { Counter, Histogram, type Registry } from 'prom-client';

export class IngestMetrics {
  readonly requests: Counter<'route' | 'status'>;
  readonly events: Counter<'result' | 'channel'>;
  readonly publishDuration: Histogram;
  readonly bodyBytes: Histogram<'route'>;

  constructor(registry: Registry) {
    this.requests = new Counter({
      name: 'carestream_ingest_requests_total',
      help: 'HTTP requests to the ingest service, by route and status code.',
      labelNames: ['route', 'status'],
      registers: [registry],
    });
    this.events = new Counter({
      name: 'carestream_ingest_events_total',
      help: 'Items received, by result (accepted, rejected, duplicate) and channel (unknown when invalid).',
      labelNames: ['result', 'channel'],
      registers: [registry],
    });
    this.publishDuration = new Histogram({
      name: 'carestream_ingest_publish_duration_seconds',
      help: 'Time for Kafka to acknowledge (acks=all) one request’s events.',
      buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    });
    this.bodyBytes = new Histogram({
      name: 'carestream_ingest_body_bytes',
      help: 'Request body sizes.',
      labelNames: ['route'],
      buckets: [256, 1024, 16384, 131072, 1048576, 5242880],
      registers: [registry],
    });
  }

  /** Counts published events by channel: one increment per channel, not one per event. */
  countAccepted(events: readonly CareEvent[]): void {
    const byChannel = new Map<string, number>();
    for (const event of events) {
      const channel = event.type === 'BrandProfileSet' ? 'none' : event.channel;
      byChannel.set(channel, (byChannel.get(channel) ?? 0) + 1);
    }
    for (const [channel, n] of byChannel) this.events.inc({ result: 'accepted', channel }, n);
  }
}
