// @carestream/domain: pure domain logic (no I/O, no clock). See README.md for the public surface.
export * from './response-time-sketch.ts';
export * from './business-hours.ts';
export * from './conversation.ts';
export * from './sla-figures.ts';
export * from './sla-batch.ts';
export * from './churn-risk.ts';
export * from './benchmarks.ts';
export * from './urgency.ts';
export * from './brand-rules.ts';
export * from './seeded-random.ts';
