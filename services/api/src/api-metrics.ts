import { Counter, Histogram, type Registry } from 'prom-client';

/** The query API's own metrics (README.md lists them); route labels are route patterns, never brand ids. */
export class ApiMetrics {
  readonly requests: Counter<'route' | 'status'>;
  readonly duration: Histogram<'route'>;
  readonly cache: Counter<'cache' | 'result'>;

  constructor(registry: Registry) {
    this.requests = new Counter({
      name: 'carestream_api_requests_total',
      help: 'HTTP requests to the query API, by route pattern and status code.',
      labelNames: ['route', 'status'],
      registers: [registry],
    });
    this.duration = new Histogram({
      name: 'carestream_api_request_duration_seconds',
      help: 'Time to answer a request, by route pattern.',
      labelNames: ['route'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    });
    this.cache = new Counter({
      name: 'carestream_api_cache_total',
      help: 'Look-ups of the short-lived answer caches (cache: sla, sla_timeseries, benchmarks), by result (hit: served from the cache; miss: computed).',
      labelNames: ['cache', 'result'],
      registers: [registry],
    });
  }
}
