// carestream's page: plain JavaScript, no build step, no dependencies. It reads the /v1 routes of this API with
// the key the user gives (kept in sessionStorage) and draws the charts as inline SVG.
/* global document, window, fetch, URL, URLSearchParams, sessionStorage, setTimeout, clearTimeout */

const KEY_STORAGE = 'carestream.apiKey';
const REFRESH_MS = 10_000;
const WINDOWS = ['24h', '7d', '30d'];
const LIST_ROWS = 20;
const BACKLOG_FETCH = 500;
const SVG_NS = 'http://www.w3.org/2000/svg';

const $ = (id) => document.getElementById(id);
const byTestId = (testId) => document.querySelector(`[data-testid="${testId}"]`);

// ---- formatting (test/e2e/page.test.ts formats the API's numbers the same way) ----

const DASH = '–';

/** A share 0..1 as a percentage with one decimal: 0.3456 → "34.6%". */
export function formatPercent(share) {
  return share === null || share === undefined ? DASH : `${(share * 100).toFixed(1)}%`;
}

/** Seconds as the two largest units: "42s", "17m 5s", "2h 14m", "3d 4h". */
export function formatDuration(seconds) {
  if (seconds === null || seconds === undefined) return DASH;
  const total = Math.round(seconds);
  if (total < 60) return `${total}s`;
  if (total < 3600) return `${Math.floor(total / 60)}m ${total % 60}s`;
  if (total < 86_400) return `${Math.floor(total / 3600)}h ${Math.floor((total % 3600) / 60)}m`;
  return `${Math.floor(total / 86_400)}d ${Math.floor((total % 86_400) / 3600)}h`;
}

export function formatCount(count) {
  return count === null || count === undefined ? DASH : count.toLocaleString('en-US');
}

const formatRank = (rank) => (rank === null || rank === undefined ? DASH : `${Math.round(rank)}th pct`);

const pad = (n) => String(n).padStart(2, '0');
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const formatDay = (date) => `${date.getUTCDate()} ${MONTHS[date.getUTCMonth()]}`;
const formatHour = (date) => `${pad(date.getUTCHours())}:00`;
const formatStamp = (iso) => {
  const date = new Date(iso);
  return `${formatDay(date)} ${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}`;
};

// ---- state ----

const state = {
  key: null,
  brands: [],
  brandId: null,
  window: '24h',
  /** Bumped on every change of brand, window or key: answers of an older generation are dropped. */
  generation: 0,
  loading: false,
  timer: null,
};

class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

async function api(path) {
  const response = await fetch(path, {
    headers: { authorization: `Bearer ${state.key}`, accept: 'application/json' },
    cache: 'no-store',
  });
  if (!response.ok) {
    let message = `${response.status} ${response.statusText}`;
    try {
      const body = await response.json();
      if (body?.error?.message) message = `${body.error.field ?? ''} ${body.error.message}`.trim();
    } catch {
      // not JSON: keep the status line
    }
    throw new ApiError(response.status, message);
  }
  return response.json();
}

// ---- key ----

function readKeyFromUrl() {
  const url = new URL(window.location.href);
  const key = url.searchParams.get('key');
  if (key === null) return null;
  // Keep the key out of the address bar, the history and any later copy of the URL.
  url.searchParams.delete('key');
  window.history.replaceState(null, '', url.pathname + url.search + url.hash);
  return key.trim();
}

function showKeyForm(message) {
  clearTimeout(state.timer);
  $('dashboard').hidden = true;
  $('controls').hidden = true;
  $('status').hidden = true;
  $('key-form').hidden = false;
  const error = $('key-error');
  error.hidden = !message;
  error.textContent = message ?? '';
  $('key').focus();
}

async function useKey(key) {
  state.key = key;
  state.generation += 1;
  $('key-form').hidden = true;
  setStatus('Loading brands…');
  let brands;
  try {
    brands = (await api('/v1/brands')).items;
  } catch (error) {
    if (error.status === 401 || error.status === 403) {
      sessionStorage.removeItem(KEY_STORAGE);
      showKeyForm(`This key was not accepted: ${error.message}`);
    } else {
      setStatus(`Could not list brands: ${error.message}. Retrying…`, true);
      state.timer = setTimeout(() => useKey(key), REFRESH_MS);
    }
    return;
  }
  sessionStorage.setItem(KEY_STORAGE, key);
  state.brands = brands;
  const select = $('brand');
  select.replaceChildren(
    ...brands.map((brand) => {
      const option = document.createElement('option');
      option.value = brand.brandId;
      option.textContent = brand.name ? `${brand.name} (${brand.industry})` : brand.brandId;
      return option;
    }),
  );
  $('controls').hidden = false;
  if (brands.length === 0) {
    $('dashboard').hidden = true;
    setStatus('This key cannot see any brand yet. Send a brand_profile or some events, then reload.');
    return;
  }
  const fromHash = new URLSearchParams(window.location.hash.slice(1));
  const wanted = fromHash.get('brand');
  const windowName = fromHash.get('window');
  state.window = WINDOWS.includes(windowName) ? windowName : '24h';
  state.brandId = brands.some((brand) => brand.brandId === wanted) ? wanted : brands[0].brandId;
  select.value = state.brandId;
  select.disabled = brands.length === 1;
  showDashboard();
}

// ---- loading ----

function setStatus(message, isError = false) {
  const status = $('status');
  status.hidden = !message;
  status.textContent = message ?? '';
  status.classList.toggle('error', isError);
}

function showDashboard() {
  state.generation += 1;
  window.history.replaceState(null, '', `#brand=${encodeURIComponent(state.brandId)}&window=${state.window}`);
  for (const button of document.querySelectorAll('[data-window]')) {
    button.setAttribute('aria-pressed', String(button.dataset.window === state.window));
  }
  const main = $('dashboard');
  main.dataset.state = 'loading';
  main.dataset.brand = state.brandId;
  main.dataset.window = state.window;
  const brand = state.brands.find((item) => item.brandId === state.brandId);
  $('brand-name').textContent = brand?.name ?? state.brandId;
  void refresh();
}

async function refresh() {
  clearTimeout(state.timer);
  const generation = state.generation;
  const brandId = encodeURIComponent(state.brandId);
  const windowName = state.window;
  const granularity = windowName === '30d' ? 'day' : 'hour';
  try {
    const [sla, series, backlog, risk, benchmark] = await Promise.all([
      api(`/v1/brands/${brandId}/sla?window=${windowName}`),
      api(`/v1/brands/${brandId}/sla/timeseries?window=${windowName}&granularity=${granularity}`),
      api(`/v1/brands/${brandId}/backlog?limit=${BACKLOG_FETCH}`),
      api(`/v1/brands/${brandId}/churn-risk?limit=${BACKLOG_FETCH}`),
      api(`/v1/brands/${brandId}/benchmark?window=${windowName}`),
    ]);
    if (generation !== state.generation) return;
    render({ sla, series: series.items, backlog, risk, benchmark, granularity });
    setStatus(null);
    $('dashboard').hidden = false;
    $('dashboard').dataset.state = 'ready';
    $('updated').textContent = new Date().toLocaleTimeString('en-GB');
  } catch (error) {
    if (generation !== state.generation) return;
    if (error.status === 401 || error.status === 403) {
      sessionStorage.removeItem(KEY_STORAGE);
      showKeyForm(`This key is no longer accepted: ${error.message}`);
      return;
    }
    setStatus(`Could not refresh: ${error.message}. Showing the last figures; retrying.`, true);
  }
  if (generation === state.generation) {
    clearTimeout(state.timer);
    state.timer = setTimeout(() => {
      if (document.hidden) state.timer = setTimeout(refresh, REFRESH_MS);
      else void refresh();
    }, REFRESH_MS);
  }
}

// ---- rendering ----

function setText(testId, text) {
  const element = byTestId(testId);
  if (element) element.textContent = text;
}

function render({ sla, series, backlog, risk, benchmark, granularity }) {
  const previous = sla.previous;
  $('period').textContent =
    `${formatStamp(sla.from)} – ${formatStamp(sla.to)} UTC, beside the ${formatStamp(previous.from)} – ` +
    `${formatStamp(previous.to)} before it`;

  setText('response-rate', formatPercent(sla.responseRate));
  setText('response-rate-previous', formatPercent(previous.responseRate));
  const delta = byTestId('response-rate-delta');
  if (sla.responseRate !== null && previous.responseRate !== null) {
    const points = (sla.responseRate - previous.responseRate) * 100;
    delta.textContent = `${points >= 0 ? '▲' : '▼'} ${Math.abs(points).toFixed(1)} pts`;
    delta.className = `delta ${points >= 0 ? 'up' : 'down'}`;
  } else {
    delta.textContent = '';
  }
  setText('answered', formatCount(sla.answered));
  setText('needing-response', formatCount(sla.needingResponse));
  for (const name of ['p50', 'p90', 'p99']) {
    setText(name, formatDuration(sla.responseTimeSeconds[name]));
    setText(`${name}-previous`, formatDuration(previous.responseTimeSeconds[name]));
  }
  renderWithin(sla.withinTarget, previous.withinTarget);

  const more = backlog.nextCursor ? '+' : '';
  setText('backlog-count', `${formatCount(backlog.items.length)}${more}`);
  setText(
    'backlog-past-target',
    `${formatCount(backlog.items.filter((item) => item.pastTarget).length)}${more}`,
  );
  const levels = (level) => risk.items.filter((item) => item.level === level).length;
  const riskMore = risk.nextCursor ? '+' : '';
  setText('risk-high-count', `${formatCount(levels('high'))}${riskMore}`);
  setText('risk-medium-count', `${formatCount(levels('medium'))}${riskMore}`);

  $('volume-unit').textContent = granularity === 'day' ? '(per UTC day)' : '(per hour, UTC)';
  drawVolume($('chart-volume'), series, granularity);
  drawTimes($('chart-times'), series, granularity);
  renderBenchmark(benchmark);
  renderBacklog(backlog.items.slice(0, LIST_ROWS));
  renderRisk(risk.items.filter((item) => item.score > 0).slice(0, LIST_ROWS));
}

function renderWithin(current, previous) {
  const rows = ['30m', '1h', '4h', '24h'].map((name) => {
    const row = document.createElement('tr');
    const bar = document.createElementNS(SVG_NS, 'svg');
    bar.setAttribute('viewBox', '0 0 100 10');
    bar.setAttribute('preserveAspectRatio', 'none');
    bar.setAttribute('class', 'share-bar');
    bar.append(
      svg('rect', { x: 0, y: 0, width: 100, height: 10, class: 'track' }),
      svg('rect', { x: 0, y: 0, width: (previous[name] ?? 0) * 100, height: 4, class: 'previous' }),
      svg('rect', { x: 0, y: 4, width: (current[name] ?? 0) * 100, height: 6, class: 'current' }),
    );
    const label = name.replace('m', ' min').replace('h', ' h');
    row.append(
      cell(label, 'th'),
      cell(formatPercent(current[name]), 'td', { testId: `within-${name}`, className: 'num' }),
      cell(formatPercent(previous[name]), 'td', {
        testId: `within-${name}-previous`,
        className: 'num muted',
      }),
      cell(bar, 'td', { className: 'bar-cell' }),
    );
    return row;
  });
  $('within-rows').replaceChildren(...rows);
}

function renderBenchmark(answer) {
  const target = $('benchmark');
  $('industry-name').textContent = answer.industry ? `(${answer.industry})` : '';
  if (answer.industry === null) {
    target.replaceChildren(
      note('This brand has no profile yet, so no industry to compare with.', 'benchmark-note'),
    );
    return;
  }
  const row = answer.benchmark;
  const own = answer.brand;
  const table = document.createElement('table');
  table.className = 'compare';
  const thead = document.createElement('thead');
  const tbody = document.createElement('tbody');
  table.append(thead, tbody);
  const head = document.createElement('tr');
  head.append(
    cell('', 'th'),
    cell('response rate', 'th'),
    cell('median response', 'th'),
    cell('p90 response', 'th'),
    cell('complaint share', 'th'),
    cell('brands', 'th'),
  );
  const brandRow = document.createElement('tr');
  brandRow.append(
    cell('this brand', 'th'),
    cell(formatPercent(own.responseRate), 'td', { testId: 'benchmark-brand-rate', className: 'num' }),
    cell(formatDuration(own.responseTimeSeconds.p50), 'td', {
      testId: 'benchmark-brand-p50',
      className: 'num',
    }),
    cell(formatDuration(own.responseTimeSeconds.p90), 'td', { className: 'num' }),
    cell(DASH, 'td', { className: 'num muted' }),
    cell('', 'td'),
  );
  thead.append(head);
  tbody.append(brandRow);
  const children = [];
  if (row === null) {
    children.push(
      table,
      note(
        `The ${answer.industry} benchmark is published only where at least 5 brands had mentions needing a ` +
          'response in this window; there are fewer, so there are no ranks to show.',
        'benchmark-note',
      ),
    );
    target.replaceChildren(...children);
    return;
  }
  const industryRow = document.createElement('tr');
  industryRow.append(
    cell(`${answer.industry}`, 'th'),
    cell(formatPercent(row.responseRate), 'td', { testId: 'benchmark-industry-rate', className: 'num' }),
    cell(formatDuration(row.responseTimeSeconds.p50), 'td', {
      testId: 'benchmark-industry-p50',
      className: 'num',
    }),
    cell(formatDuration(row.responseTimeSeconds.p90), 'td', { className: 'num' }),
    cell(formatPercent(row.complaintShare), 'td', { className: 'num' }),
    cell(formatCount(row.brands), 'td', { className: 'num' }),
  );
  const rankRow = document.createElement('tr');
  rankRow.className = 'ranks';
  rankRow.append(
    cell('percentile rank', 'th'),
    cell(formatRank(answer.percentileRank.responseRate), 'td', {
      testId: 'benchmark-rank-rate',
      className: 'num',
    }),
    cell(formatRank(answer.percentileRank.medianResponseTime), 'td', {
      testId: 'benchmark-rank-time',
      className: 'num',
    }),
    cell('', 'td'),
    cell('', 'td'),
    cell('', 'td'),
  );
  tbody.append(industryRow, rankRow);
  children.push(
    table,
    note(
      'Percentile rank: the share of the industry’s brands this brand does better than (higher is better; a ' +
        'faster median ranks higher).',
    ),
  );
  target.replaceChildren(...children);
}

const tidy = (reason) => reason.replace(/-?\d+\.\d{3,}/g, (number) => Number(number).toFixed(2));

function renderBacklog(items) {
  const rows = items.map((item) => {
    const row = document.createElement('tr');
    row.dataset.testid = 'backlog-row';
    const age = cell(formatDuration(item.ageSeconds), 'td', { className: 'num' });
    if (item.pastTarget) age.append(badge('late', 'high'));
    row.append(
      age,
      cell(item.kind, 'td'),
      cell(item.channel, 'td'),
      cell(item.authorId, 'td', { className: 'id', title: `conversation ${item.conversationId}` }),
      // The age and the badge already say how long it waits: the reasons column keeps the other reasons.
      cell(
        item.reasons
          .filter((reason) => !reason.startsWith('waiting '))
          .map(tidy)
          .join('; ') || DASH,
        'td',
        { className: 'reasons', title: item.reasons.map(tidy).join('; ') },
      ),
    );
    return row;
  });
  $('backlog-rows').replaceChildren(
    ...(rows.length > 0 ? rows : [emptyRow(5, 'Nothing waiting: every mention is answered.')]),
  );
}

const SIGNALS = {
  'ignored-complaint': ['ignored complaint', 'ignored complaints'],
  'ignored-mention': ['ignored mention', 'ignored mentions'],
  'late-answer': ['late answer', 'late answers'],
  'timely-answer': ['timely answer', 'timely answers'],
  'negative-sentiment': ['negative message', 'negative messages'],
};

function renderRisk(items) {
  const rows = items.map((item) => {
    const row = document.createElement('tr');
    row.dataset.testid = 'risk-row';
    const counts = new Map();
    for (const reason of item.reasons) counts.set(reason.signal, (counts.get(reason.signal) ?? 0) + 1);
    const why = [...counts]
      .map(([signal, count]) => {
        const [one, many] = SIGNALS[signal] ?? [signal, signal];
        return `${count} ${count === 1 ? one : many}`;
      })
      .join(', ');
    const evidence = item.reasons
      .slice(0, 8)
      .map(
        (reason) =>
          `${SIGNALS[reason.signal]?.[0] ?? reason.signal}: ${reason.messageId} at ${formatStamp(reason.at)}`,
      )
      .join('\n');
    row.append(
      cell(item.authorId, 'td', { className: 'id' }),
      cell(badge(item.level, item.level), 'td'),
      cell(item.score.toFixed(2), 'td', { className: 'num' }),
      cell(why, 'td', { className: 'reasons', title: evidence }),
    );
    return row;
  });
  $('risk-rows').replaceChildren(...(rows.length > 0 ? rows : [emptyRow(4, 'No customer at risk.')]));
}

// ---- DOM helpers ----

function cell(content, tag, { testId, className, title } = {}) {
  const element = document.createElement(tag);
  if (typeof content === 'string') element.textContent = content;
  else element.append(content);
  if (testId) element.dataset.testid = testId;
  if (className) element.className = className;
  if (title) element.title = title;
  return element;
}

function badge(text, level) {
  const element = document.createElement('span');
  element.className = `badge ${level}`;
  element.textContent = text;
  return element;
}

function note(text, testId) {
  const element = document.createElement('p');
  element.className = 'note';
  element.textContent = text;
  if (testId) element.dataset.testid = testId;
  return element;
}

function emptyRow(columns, text) {
  const row = document.createElement('tr');
  const td = cell(text, 'td', { className: 'muted' });
  td.colSpan = columns;
  row.append(td);
  return row;
}

function svg(tag, attributes = {}, text) {
  const element = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  if (text !== undefined) element.textContent = text;
  return element;
}

// ---- charts (inline SVG) ----

const CHART = { width: 560, height: 220, left: 56, right: 12, top: 10, bottom: 26 };

/** A round upper bound and 4 ticks for values up to `max`. */
function niceScale(max) {
  if (!(max > 0)) return { top: 1, ticks: [0, 1] };
  const rough = max / 4;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= rough) ?? 10 * magnitude;
  const top = Math.ceil(max / step) * step;
  const ticks = [];
  for (let tick = 0; tick <= top + step / 2; tick += step) ticks.push(tick);
  return { top, ticks };
}

/** Round duration steps (seconds) so the axis reads 15m, 30m, 1h, 2h… */
const DURATION_STEPS = [
  60, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400, 172_800, 604_800,
];

function durationScale(max) {
  if (!(max > 0)) return { top: 3600, ticks: [0, 1800, 3600] };
  const step = DURATION_STEPS.find((s) => s >= max / 4) ?? DURATION_STEPS.at(-1);
  const top = Math.ceil(max / step) * step;
  const ticks = [];
  for (let tick = 0; tick <= top; tick += step) ticks.push(tick);
  return { top, ticks };
}

function chartFrame(container, series, granularity, scale, formatTick) {
  const { width, height, left, right, top, bottom } = CHART;
  const plotWidth = width - left - right;
  const plotHeight = height - top - bottom;
  const root = svg('svg', {
    viewBox: `0 0 ${width} ${height}`,
    class: 'chart-svg',
    role: 'img',
  });
  const y = (value) => top + plotHeight - (value / scale.top) * plotHeight;
  for (const tick of scale.ticks) {
    root.append(
      svg('line', { x1: left, x2: width - right, y1: y(tick), y2: y(tick), class: 'grid' }),
      svg('text', { x: left - 6, y: y(tick) + 4, class: 'tick', 'text-anchor': 'end' }, formatTick(tick)),
    );
  }
  const slot = plotWidth / Math.max(1, series.length);
  const labelEvery = Math.max(1, Math.ceil(series.length / 8));
  series.forEach((item, index) => {
    if (index % labelEvery !== 0) return;
    const date = new Date(item.bucketStart);
    const label =
      granularity === 'day' || (series.length > 30 && date.getUTCHours() === 0)
        ? formatDay(date)
        : series.length > 30
          ? `${formatDay(date)} ${formatHour(date)}`
          : formatHour(date);
    root.append(
      svg(
        'text',
        { x: left + slot * (index + 0.5), y: height - 8, class: 'tick', 'text-anchor': 'middle' },
        label,
      ),
    );
  });
  container.replaceChildren(root);
  return { root, y, slot, left, plotHeight, top };
}

function bucketTitle(item, granularity) {
  const date = new Date(item.bucketStart);
  return granularity === 'day' ? `${formatDay(date)} (UTC)` : `${formatDay(date)} ${formatHour(date)} UTC`;
}

function drawVolume(container, series, granularity) {
  const max = Math.max(0, ...series.map((item) => item.needingResponse));
  const scale = niceScale(max);
  const { root, y, slot, left } = chartFrame(container, series, granularity, scale, (tick) =>
    formatCount(tick),
  );
  const barWidth = Math.max(1, slot * 0.8);
  series.forEach((item, index) => {
    const x = left + slot * index + (slot - barWidth) / 2;
    const group = svg('g');
    group.append(
      svg(
        'title',
        {},
        `${bucketTitle(item, granularity)}: ${item.answered} answered of ${item.needingResponse} ` +
          `needing a response (${formatPercent(item.responseRate)})`,
      ),
      svg('rect', {
        x,
        y: y(item.needingResponse),
        width: barWidth,
        height: y(0) - y(item.needingResponse),
        class: 'needing',
      }),
      svg('rect', {
        x,
        y: y(item.answered),
        width: barWidth,
        height: y(0) - y(item.answered),
        class: 'answered',
      }),
    );
    root.append(group);
  });
}

function drawTimes(container, series, granularity) {
  const max = Math.max(0, ...series.map((item) => item.responseTimeSeconds.p90 ?? 0));
  const scale = durationScale(max);
  const { root, y, slot, left } = chartFrame(container, series, granularity, scale, (tick) =>
    tick === 0 ? '0' : formatDuration(tick).replace(/ 0[smh]$/, ''),
  );
  for (const name of ['p90', 'p50']) {
    // A line through the buckets that have answers; a bucket without any breaks it.
    let path = '';
    let drawing = false;
    series.forEach((item, index) => {
      const value = item.responseTimeSeconds[name];
      if (value === null) {
        drawing = false;
        return;
      }
      const x = left + slot * (index + 0.5);
      path += `${drawing ? 'L' : 'M'}${x.toFixed(1)},${y(value).toFixed(1)}`;
      drawing = true;
    });
    if (path) root.append(svg('path', { d: path, class: `line ${name}` }));
    series.forEach((item, index) => {
      const value = item.responseTimeSeconds[name];
      if (value === null) return;
      const dot = svg('circle', {
        cx: left + slot * (index + 0.5),
        cy: y(value),
        r: series.length > 60 ? 1.5 : 2.5,
        class: `dot ${name}`,
      });
      dot.append(
        svg(
          'title',
          {},
          `${bucketTitle(item, granularity)}: ${name === 'p50' ? 'median' : name} ${formatDuration(value)}`,
        ),
      );
      root.append(dot);
    });
  }
  if (series.every((item) => item.responseTimeSeconds.p50 === null)) {
    root.append(
      svg(
        'text',
        { x: CHART.width / 2, y: CHART.height / 2, class: 'empty', 'text-anchor': 'middle' },
        'no answers in this window',
      ),
    );
  }
}

// ---- wiring ----

function start() {
  $('key-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const key = $('key').value.trim();
    if (key) void useKey(key);
  });
  $('forget-key').addEventListener('click', () => {
    sessionStorage.removeItem(KEY_STORAGE);
    state.generation += 1;
    $('key').value = '';
    showKeyForm(null);
  });
  $('brand').addEventListener('change', (event) => {
    state.brandId = event.target.value;
    showDashboard();
  });
  for (const button of document.querySelectorAll('[data-window]')) {
    button.addEventListener('click', () => {
      state.window = button.dataset.window;
      showDashboard();
    });
  }
  document.addEventListener('visibilitychange', () => {
    if (!document.hidden && state.brandId && !$('dashboard').hidden) void refresh();
  });
  const key = readKeyFromUrl() ?? sessionStorage.getItem(KEY_STORAGE);
  if (key) {
    $('key').value = key;
    void useKey(key);
  } else {
    showKeyForm(null);
  }
}

start();
