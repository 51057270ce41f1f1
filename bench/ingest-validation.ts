// How fast ingest validates items, without HTTP or Kafka: the simulator's events as the JSON the ingest API
// takes (with their texts and a brand profile per brand), put through validateItems the way POST /v1/events
// does, five timed runs after a warm-up. Prints events/s per run and the median.
//   npm run bench:validation [-- --events 200000]
import { DEFAULT_RETENTION_MS, validateItems } from '@carestream/contract';
import { generateScenario, toIngestItem } from '@carestream/simulator';

const DAY_MS = 86_400_000;
const START_MS = Date.UTC(2026, 0, 5);
const BATCH = 1_000;
const RUNS = 5;

function eventsWanted(argv: readonly string[]): number {
  const at = argv.indexOf('--events');
  const raw = at === -1 ? '200000' : (argv[at + 1] ?? '');
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < BATCH) {
    throw new Error(`--events must be a whole number of at least ${BATCH}, got "${raw}"`);
  }
  return value;
}

const wanted = eventsWanted(process.argv.slice(2));
const scenario = generateScenario({
  seed: 42,
  conversations: Math.ceil(wanted / 3),
  brands: 20,
  startMs: START_MS,
  spanMs: 30 * DAY_MS,
  horizonMs: 7 * DAY_MS,
});
// Parsed from JSON text, as the route parses a body: plain objects, ISO strings.
const items = JSON.parse(
  JSON.stringify([...scenario.profiles, ...scenario.events].slice(0, wanted).map(toIngestItem)),
) as unknown[];
const options = {
  nowMs: START_MS + 31 * DAY_MS,
  maxFutureSkewMs: 300_000,
  retentionMs: DEFAULT_RETENTION_MS,
};

function run(): number {
  const started = process.hrtime.bigint();
  let valid = 0;
  for (let i = 0; i < items.length; i += BATCH) {
    valid += validateItems(items.slice(i, i + BATCH), options).events.length;
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (valid !== items.length)
    throw new Error(`${items.length - valid} of ${items.length} items were refused`);
  return items.length / seconds;
}

run(); // warm-up: the JIT, and any compiled validators
const rates = Array.from({ length: RUNS }, run);
const sorted = [...rates].sort((a, b) => a - b);
console.log(`ingest validation, ${items.length} items in batches of ${BATCH}`);
console.log(`runs (events/s): ${rates.map((rate) => Math.round(rate)).join(', ')}`);
console.log(`median: ${Math.round(sorted[Math.floor(RUNS / 2)] ?? 0)} events/s`);
