// Loads the page the API serves at `/` in headless Chromium (Debian's /usr/bin/chromium, or CHROMIUM_BIN, driven
// by playwright-core) against the running pipeline fed by a simulated scenario, checks that the figures it shows
// are the API's, formatted the way the page formats them, and saves a screenshot to test-results/dashboard.png
// (and to docs/images/dashboard.png, the README's, with UPDATE_DOCS_SCREENSHOT=1).
import { copyFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApiKeyStore } from '@carestream/api-keys';
import { loadApiConfig, startApi, type ApiRuntime } from '@carestream/api';
import { generateScenario, toIngestItem } from '@carestream/simulator';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, sendEvents, startPipeline, waitForCatchUp, type Pipeline } from './pipeline-harness.ts';

const HOUR = 3_600_000;
const CHROMIUM_BIN = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium';
const SCREENSHOT = fileURLToPath(new URL('../../test-results/dashboard.png', import.meta.url));
const DOCS_SCREENSHOT = fileURLToPath(new URL('../../docs/images/dashboard.png', import.meta.url));

// The page's formatting (services/api/public/app.js), restated: the test checks the page, not itself.
const DASH = '–';
const percent = (share: number | null) => (share === null ? DASH : `${(share * 100).toFixed(1)}%`);
function duration(seconds: number | null): string {
  if (seconds === null) return DASH;
  const total = Math.round(seconds);
  if (total < 60) return `${total}s`;
  if (total < 3600) return `${Math.floor(total / 60)}m ${total % 60}s`;
  if (total < 86_400) return `${Math.floor(total / 3600)}h ${Math.floor((total % 3600) / 60)}m`;
  return `${Math.floor(total / 86_400)}d ${Math.floor((total % 86_400) / 3600)}h`;
}

type Times = Record<'mean' | 'p50' | 'p90' | 'p99' | 'min' | 'max', number | null>;
type Within = Record<'30m' | '1h' | '4h' | '24h', number | null>;
interface SlaFigures {
  needingResponse: number;
  answered: number;
  responseRate: number | null;
  responseTimeSeconds: Times;
  withinTarget: Within;
}
interface SlaAnswer extends SlaFigures {
  previous: SlaFigures;
}
interface ListAnswer<T> {
  items: T[];
  nextCursor: string | null;
}
interface BrandBenchmark {
  industry: string | null;
  percentileRank: { responseRate: number | null; medianResponseTime: number | null };
  benchmark: { responseRate: number | null } | null;
}

describe('the page at /', () => {
  let pipeline: Pipeline;
  let api: ApiRuntime;
  let apiUrl: string;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];
  const now = Date.now();
  // The scenario puts its last conversations about 2 h before its end (its last 10%), 2 h ago here: with the
  // harness's 1 h answer horizon every unanswered mention would have expired, and the backlog would be empty. A 4 h
  // horizon keeps the last hours' unanswered mentions open.
  const HORIZON_HOURS = 4;
  // This day's scenario (what the default 24 h window shows) and one in the 24 h before it (the previous period).
  // 25 brands over 5 industries: 5 brands each, so every industry's benchmark is published.
  const current = generateScenario({
    seed: 6104,
    conversations: 2500,
    brands: 25,
    startMs: now - 20 * HOUR,
    spanMs: 18 * HOUR,
    horizonMs: HORIZON_HOURS * HOUR,
  });
  const previous = generateScenario({
    seed: 6103,
    conversations: 1500,
    brands: 25,
    startMs: now - 44 * HOUR,
    spanMs: 18 * HOUR,
    horizonMs: HORIZON_HOURS * HOUR,
  });

  const get = async <T>(path: string, key = ADMIN_KEY): Promise<T> => {
    const response = await fetch(`${apiUrl}${path}`, { headers: { authorization: `Bearer ${key}` } });
    expect(response.status, path).toBe(200);
    return (await response.json()) as T;
  };
  const text = async (testId: string) =>
    ((await page.getByTestId(testId).first().textContent()) ?? '').trim();

  beforeAll(async () => {
    pipeline = await startPipeline({ partitions: 3, horizonHours: HORIZON_HOURS });
    // And a brand alone in its industry, with a profile and no events yet.
    const solo = {
      ...previous.profiles[0]!,
      eventId: 'profile-solo',
      brandId: 'solo',
      name: 'Solo',
      industry: 'media',
    };
    await sendEvents(pipeline, [...previous.profiles, solo].map(toIngestItem));
    await waitForCatchUp(pipeline);
    await sendEvents(pipeline, previous.events.map(toIngestItem));
    await sendEvents(pipeline, current.events.map(toIngestItem));
    await waitForCatchUp(pipeline);

    api = await startApi(
      loadApiConfig({
        DATABASE_URL: pipeline.database.url,
        CARESTREAM_ADMIN_KEY: ADMIN_KEY,
        API_PORT: '0',
        API_RATE_LIMIT_PER_MINUTE: '10000',
      }),
    );
    apiUrl = await api.app.listen({ port: 0, host: '127.0.0.1' });

    browser = await chromium.launch({
      executablePath: CHROMIUM_BIN,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
    page.on('pageerror', (error) => pageErrors.push(String(error)));
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(message.text());
    });
  });

  afterAll(async () => {
    await browser?.close();
    await api?.close();
    await pipeline?.close();
  });

  it('serves the page without a key, with nothing but its own files', async () => {
    for (const [path, type] of [
      ['/', 'text/html'],
      ['/app.js', 'text/javascript'],
      ['/app.css', 'text/css'],
    ] as const) {
      const response = await fetch(`${apiUrl}${path}`);
      expect(response.status, path).toBe(200);
      expect(response.headers.get('content-type'), path).toContain(type);
      expect(response.headers.get('content-security-policy'), path).toContain("default-src 'none'");
    }
  });

  it('lists the brands a key may read on GET /v1/brands, and no other', async () => {
    const all = await get<{ items: { brandId: string; name: string; industry: string }[] }>('/v1/brands');
    expect(all.items).toHaveLength(26);
    expect(all.items[0]).toEqual({ brandId: 'brand-0', name: 'Brand 0', industry: 'retail' });
    const keys = new ApiKeyStore(pipeline.pool);
    const scoped = await keys.create({ scope: 'read', brandIds: ['brand-7', 'no-such-brand'] });
    const own = await get<{ items: unknown[] }>('/v1/brands', scoped.token);
    expect(own.items).toEqual([{ brandId: 'brand-7', name: 'Brand 7', industry: 'telecom' }]);
    const anonymous = await fetch(`${apiUrl}/v1/brands`);
    expect(anonymous.status).toBe(401);
  });

  it('shows the figures of the API for the brand selected, and saves a screenshot', async () => {
    // The brand with the longest backlog, so that every part of the page has something to show.
    const brands = (await get<{ items: { brandId: string }[] }>('/v1/brands')).items;
    let brandId = '';
    let longest = -1;
    for (const { brandId: id } of brands.filter((brand) => brand.brandId !== 'solo')) {
      const backlog = await get<ListAnswer<unknown>>(`/v1/brands/${id}/backlog?limit=500`);
      if (backlog.items.length > longest) [brandId, longest] = [id, backlog.items.length];
    }
    expect(longest).toBeGreaterThan(0);

    await page.goto(`${apiUrl}/?key=${encodeURIComponent(ADMIN_KEY)}`);
    await page.locator('main[data-state="ready"]').waitFor({ timeout: 30_000 });
    expect(page.url()).not.toContain('key=');
    expect(await page.locator('[data-testid="brand-select"] option').count()).toBe(26);
    await page.selectOption('[data-testid="brand-select"]', brandId);
    await page
      .locator(`main[data-state="ready"][data-brand="${brandId}"][data-window="24h"]`)
      .waitFor({ timeout: 30_000 });

    const sla = await get<SlaAnswer>(`/v1/brands/${brandId}/sla`);
    expect(sla.needingResponse).toBeGreaterThan(0);
    expect(sla.previous.needingResponse).toBeGreaterThan(0);
    expect(await text('response-rate')).toBe(percent(sla.responseRate));
    expect(await text('response-rate-previous')).toBe(percent(sla.previous.responseRate));
    expect(await text('needing-response')).toBe(sla.needingResponse.toLocaleString('en-US'));
    expect(await text('answered')).toBe(sla.answered.toLocaleString('en-US'));
    for (const name of ['p50', 'p90', 'p99'] as const) {
      expect(await text(name), name).toBe(duration(sla.responseTimeSeconds[name]));
      expect(await text(`${name}-previous`), name).toBe(duration(sla.previous.responseTimeSeconds[name]));
    }
    for (const name of ['30m', '1h', '4h', '24h'] as const) {
      expect(await text(`within-${name}`), name).toBe(percent(sla.withinTarget[name]));
      expect(await text(`within-${name}-previous`), name).toBe(percent(sla.previous.withinTarget[name]));
    }

    const backlog = await get<ListAnswer<unknown>>(`/v1/brands/${brandId}/backlog?limit=500`);
    expect(await text('backlog-count')).toBe(`${backlog.items.length}${backlog.nextCursor ? '+' : ''}`);
    expect(await page.getByTestId('backlog-row').count()).toBe(Math.min(20, backlog.items.length));
    const risk = await get<ListAnswer<{ score: number }>>(`/v1/brands/${brandId}/churn-risk?limit=500`);
    expect(risk.items.length).toBeGreaterThan(0);
    expect(await page.getByTestId('risk-row').count()).toBe(
      Math.min(20, risk.items.filter((item) => item.score > 0).length),
    );

    const benchmark = await get<BrandBenchmark>(`/v1/brands/${brandId}/benchmark`);
    expect(benchmark.benchmark).not.toBeNull();
    expect(await text('benchmark-industry-rate')).toBe(percent(benchmark.benchmark?.responseRate ?? null));
    const rank = benchmark.percentileRank.responseRate;
    expect(await text('benchmark-rank-rate')).toBe(rank === null ? DASH : `${Math.round(rank)}th pct`);

    // The charts: one bar pair per hour of the window, and the response-time lines.
    expect(await page.locator('[data-testid="chart-volume"] rect.answered').count()).toBe(24);
    expect(await page.locator('[data-testid="chart-times"] path.line.p50').count()).toBe(1);
    expect(pageErrors).toEqual([]);

    await mkdir(dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    if (process.env.UPDATE_DOCS_SCREENSHOT === '1') await copyFile(SCREENSHOT, DOCS_SCREENSHOT);
  });

  it('switches to the 7-day window', async () => {
    const brandId = (await page.locator('main').getAttribute('data-brand')) ?? '';
    await page.getByTestId('window-7d').click();
    await page
      .locator(`main[data-state="ready"][data-brand="${brandId}"][data-window="7d"]`)
      .waitFor({ timeout: 30_000 });
    const sla = await get<SlaAnswer>(`/v1/brands/${brandId}/sla?window=7d`);
    expect(await text('response-rate')).toBe(percent(sla.responseRate));
    expect(await text('p50')).toBe(duration(sla.responseTimeSeconds.p50));
    expect(await page.locator('[data-testid="chart-volume"] rect.answered').count()).toBe(7 * 24);
    expect(pageErrors).toEqual([]);
  });

  it('says so when the industry has fewer than 5 brands, and shows a brand without events', async () => {
    await page.selectOption('[data-testid="brand-select"]', 'solo');
    await page.locator('main[data-state="ready"][data-brand="solo"]').waitFor({ timeout: 30_000 });
    expect(await text('benchmark-note')).toContain('at least 5 brands');
    expect(await text('response-rate')).toBe(DASH);
    expect(await text('backlog-count')).toBe('0');
    expect(await page.getByTestId('backlog-row').count()).toBe(0);
    expect(pageErrors).toEqual([]);
  });
});
