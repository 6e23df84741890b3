// The Pasar web console: plain JavaScript, no library, nothing loaded from elsewhere. Every figure
// comes from the HTTP/JSON API of the same gateway (POST /api/<Service>/<Method>, the proto3 JSON
// mapping), called with the token the user signs in with.
'use strict';

const REPORTING = 'pasar.reporting.v1.ReportingService/';
const CATALOG = 'pasar.inventory.v1.CatalogService/';
const ADMIN = 'pasar.inventory.v1.MarketAdminService/';
const DISPATCH_OPS = 'pasar.dispatch.v1.DispatchOpsService/';
const REFRESH_MS = 2000;

const STATUS_NAMES = {
  ORDER_STATUS_PLACED: 'placed', ORDER_STATUS_CONFIRMED: 'confirmed',
  ORDER_STATUS_COURIER_ASSIGNED: 'courier assigned', ORDER_STATUS_PICKED_UP: 'picked up',
  ORDER_STATUS_DELIVERED: 'delivered', ORDER_STATUS_CANCELLED: 'cancelled',
  ORDER_STATUS_DELIVERY_FAILED: 'delivery failed', ORDER_STATUS_RETURNED: 'returned',
};
const ON_SHIFT = ['COURIER_STATE_IDLE', 'COURIER_STATE_OFFERED', 'COURIER_STATE_ASSIGNED',
  'COURIER_STATE_DELIVERING'];

const state = { token: null, claims: null, tab: 'today', markets: [], staples: [], busy: false,
  today: null };
const $ = (id) => document.getElementById(id);
const num = (v) => Number(v || 0);  // int64 travel as strings in proto3 JSON

// ---- text ------------------------------------------------------------------------------------

function esc(s) {
  return String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;',
    '"': '&quot;', "'": '&#39;' }[c]));
}
const fmtInt = (v) => num(v).toLocaleString('id-ID');
const fmtIdr = (v) => 'Rp ' + fmtInt(v);
function fmtDuration(ms) {
  const s = Math.round(num(ms) / 1000);
  if (s < 60) return s + ' s';
  const m = Math.floor(s / 60);
  if (m < 60) return m + ' min ' + String(s % 60).padStart(2, '0') + ' s';
  return Math.floor(m / 60) + ' h ' + String(m % 60).padStart(2, '0') + ' min';
}
function reasonName(r) {
  return String(r).replace('CANCEL_REASON_', '').toLowerCase().replace(/_/g, ' ');
}
// A cell whose figure the browser test reads: data-test names it, data-value holds it raw.
function figure(test, value, text) {
  return `<span data-test="${esc(test)}" data-value="${esc(String(value))}">${esc(text)}</span>`;
}
function card(test, label, value, text) {
  return `<div class="card"><div class="label">${esc(label)}</div>` +
    `<div class="value">${figure(test, value, text ?? fmtInt(value))}</div></div>`;
}
function requestId() {
  if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
  return 'console-' + Date.now() + '-' + Math.random().toString(16).slice(2);
}

// ---- the API ---------------------------------------------------------------------------------

class ApiError extends Error {
  constructor(status, body) {
    super(body.message || ('HTTP ' + status));
    this.status = status;
    this.reason = body.reason || '';
  }
}

async function api(method, body) {
  const res = await fetch('/api/' + method, {
    method: 'POST',
    headers: { 'Authorization': 'Bearer ' + state.token, 'Content-Type': 'application/json' },
    body: JSON.stringify(body || {}),
  });
  const text = await res.text();
  let data;
  try { data = text ? JSON.parse(text) : {}; } catch (e) { data = { message: text }; }
  if (!res.ok) throw new ApiError(res.status, data);
  return data;
}

// The message for a token the gateway's services refused (401).
function refusedMessage(message) {
  if (/expired/i.test(message)) {
    return 'Your token has expired (' + message + '). Sign in again with a fresh token.';
  }
  return 'Your token was refused (' + message + '). Sign in again with a valid token.';
}

function showError(err) {
  if (err instanceof ApiError && err.status === 401) {
    signOut(refusedMessage(err.message));
    return;
  }
  const box = $('app-error');
  box.textContent = err instanceof ApiError && err.status === 403
    ? 'Your role may not do this: ' + err.message
    : 'Something went wrong: ' + err.message;
  box.hidden = false;
}

// ---- signing in ------------------------------------------------------------------------------

function decodeClaims(token) {
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  try {
    const b64 = parts[1].replace(/-/g, '+').replace(/_/g, '/');
    return JSON.parse(atob(b64 + '='.repeat((4 - b64.length % 4) % 4)));
  } catch (e) {
    return null;
  }
}

async function signIn(token) {
  token = token.trim().replace(/^bearer\s+/i, '');
  const error = $('signin-error');
  error.hidden = true;
  state.token = token;
  state.claims = decodeClaims(token) || {};
  try {
    // The services decide: a token they refuse is refused here, with their words.
    const staples = await api(REPORTING + 'GetStaples', {});
    state.staples = staples.staples || [];
  } catch (err) {
    state.token = null;
    if (err instanceof ApiError && err.status === 401) {
      error.textContent = refusedMessage(err.message);
    } else if (err instanceof ApiError && err.status === 403) {
      error.textContent = 'Your token is valid, but its role (' + (state.claims.role || '?') +
        ') may not use the console: it is for operators and officials.';
    } else {
      error.textContent = 'Cannot reach Pasar: ' + err.message;
    }
    error.hidden = false;
    return;
  }
  sessionStorage.setItem('pasar-token', token);
  $('signin').hidden = true;
  $('app').hidden = false;
  $('who').hidden = false;
  $('who-role').textContent = state.claims.role || '';
  $('who-subject').textContent = state.claims.sub || '';
  const operator = state.claims.role === 'operator';
  document.querySelectorAll('.operator-only').forEach((el) => { el.hidden = !operator; });
  await loadMarkets();
  fillStaples();
  await show(state.tab);
}

function signOut(message) {
  state.token = null;
  sessionStorage.removeItem('pasar-token');
  $('app').hidden = true;
  $('who').hidden = true;
  $('signin').hidden = false;
  $('token').value = '';
  const error = $('signin-error');
  error.textContent = message || '';
  error.hidden = !message;
}

async function loadMarkets() {
  const markets = [];
  let pageToken = '';
  do {
    const page = await api(CATALOG + 'ListMarkets', { pageSize: 100, pageToken });
    markets.push(...(page.markets || []));
    pageToken = page.nextPageToken || '';
  } while (pageToken);
  state.markets = markets;
  for (const id of ['prices-market', 'reference-market']) {
    const select = $(id);
    select.length = 1;
    for (const m of markets) select.add(new Option(m.name, m.id));
  }
}

function fillStaples() {
  const select = $('reference-commodity');
  select.length = 0;
  for (const s of state.staples) {
    select.add(new Option(`${s.name} (per ${s.standardUnit})`, s.commodity));
  }
}

// ---- tabs and live refresh -------------------------------------------------------------------

async function show(tab) {
  state.tab = tab;
  document.querySelectorAll('nav button[data-tab]').forEach((b) => {
    b.classList.toggle('active', b.dataset.tab === tab);
  });
  for (const t of ['today', 'report', 'prices']) $('tab-' + t).hidden = t !== tab;
  await refresh();
}

async function refresh() {
  if (!state.token || state.busy) return;
  state.busy = true;
  try {
    if (state.tab === 'today') await renderPipeline();
    if (state.tab === 'report') await renderReport();
    if (state.tab === 'prices') await renderPrices();
    $('app-error').hidden = true;
    $('as-of').textContent = 'updated ' + new Date().toLocaleTimeString();
  } catch (err) {
    showError(err);
  } finally {
    state.busy = false;
  }
}

// ---- today -----------------------------------------------------------------------------------

async function couriersOf(marketId) {
  try {
    const stats = await api(DISPATCH_OPS + 'GetStats', { marketId });
    let onShift = 0;
    for (const c of stats.couriersByState || []) {
      if (ON_SHIFT.includes(c.state)) onShift += num(c.count);
    }
    return onShift;
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) throw err;
    return null;  // dispatch not reachable: shown as n/a
  }
}

async function renderPipeline() {
  const pipeline = await api(REPORTING + 'GetPipeline', {});
  const markets = pipeline.markets || [];
  if (markets.length > 0) state.today = markets[0].date;
  const onShift = await Promise.all(markets.map((m) => couriersOf(m.marketId)));
  const operator = state.claims.role === 'operator';
  let html = '<div class="markets">';
  markets.forEach((m, i) => {
    const t = 'pipeline-' + m.marketId + '-';
    html += `<article class="market" data-test="market" data-market="${esc(m.marketId)}">`;
    html += `<h3>${esc(m.marketName)} <small>${esc(m.kecamatan)} · ${esc(m.date)}</small></h3>`;
    html += '<div class="cards">' +
      card(t + 'placed', 'orders today', num(m.ordersPlaced)) +
      card(t + 'waiting', 'tickets waiting', num(m.ticketsWaiting)) +
      card(t + 'late', 'waiting too long', num(m.ticketsLate)) +
      card(t + 'on-shift', 'couriers on shift', onShift[i] ?? '', onShift[i] === null ? 'n/a'
        : fmtInt(onShift[i])) +
      card(t + 'busy', 'couriers busy', num(m.couriersBusy)) + '</div>';
    html += '<table><tr><th class="text">orders by state</th><th>today</th></tr>';
    for (const s of m.ordersByStatus || []) {
      html += `<tr><td>${esc(STATUS_NAMES[s.status] || s.status)}</td>` +
        `<td>${figure(t + s.status, num(s.count), fmtInt(s.count))}</td></tr>`;
    }
    html += '</table>';
    const stalls = m.stalls || [];
    html += '<table><tr><th class="text">stalls to watch</th><th>expired today</th>' +
      '<th>in a row</th><th class="text">state</th><th></th></tr>';
    if (stalls.length === 0) html += '<tr><td colspan="5">none: every ticket was answered</td></tr>';
    for (const s of stalls) {
      const paused = s.pause && s.pause !== 'STALL_PAUSE_UNSPECIFIED';
      const why = s.pause === 'STALL_PAUSE_EXPIRED_TICKETS' ? 'paused: tickets expired'
        : 'paused by the office';
      html += `<tr data-test="stall" data-stall="${esc(s.stallId)}"><td>${esc(s.stallName)}</td>` +
        `<td>${fmtInt(s.expiredToday)}</td><td>${fmtInt(s.expiredInARow)}</td><td class="text">` +
        (paused ? `<span class="badge paused" data-test="paused">${esc(why)}</span>`
          : (s.open ? 'open' : 'closed')) + '</td><td>' +
        (operator && !paused ? `<button type="button" class="pause" data-test="pause" ` +
          `data-stall="${esc(s.stallId)}">Pause</button>` : '') + '</td></tr>';
    }
    html += '</table></article>';
  });
  html += '</div>';
  if (markets.length === 0) html = '<p>No market has reported anything yet.</p>';
  $('pipeline').innerHTML = html;
}

async function pauseStall(stallId, button) {
  button.disabled = true;
  try {
    await api(ADMIN + 'PauseStall', { requestId: requestId(), stallId });
    await refresh();
  } catch (err) {
    showError(err);
    button.disabled = false;
  }
}

// ---- report ----------------------------------------------------------------------------------

function barChart(title, rows, series) {
  const width = 720, height = 200, left = 40, bottom = 30;
  const max = Math.max(1, ...rows.flatMap((r) => series.map((s) => s.value(r))));
  const group = (width - left) / Math.max(rows.length, 1);
  const bar = Math.max(2, Math.min(24, (group - 6) / series.length));
  let svg = `<svg viewBox="0 0 ${width} ${height}" role="img" aria-label="${esc(title)}">`;
  svg += `<line x1="${left}" y1="${height - bottom}" x2="${width}" y2="${height - bottom}" ` +
    'stroke="#999"/>';
  svg += `<text x="0" y="12" font-size="11">${esc(String(max))}</text>`;
  rows.forEach((r, i) => {
    series.forEach((s, k) => {
      const h = (height - bottom - 10) * s.value(r) / max;
      const x = left + i * group + 3 + k * bar;
      svg += `<rect x="${x}" y="${height - bottom - h}" width="${bar - 1}" height="${h}" ` +
        `fill="${s.color}"><title>${esc(r.label + ' ' + s.name + ': ' + s.value(r))}</title></rect>`;
    });
    if (rows.length <= 16 || i % Math.ceil(rows.length / 16) === 0) {
      svg += `<text x="${left + i * group + 3}" y="${height - 12}" font-size="10">` +
        `${esc(r.label.slice(-5))}</text>`;
    }
  });
  svg += '</svg>';
  const legend = series.map((s) => `<span><i class="swatch" style="background:${s.color}"></i>` +
    `${esc(s.name)}</span>`).join('');
  return `<figcaption>${esc(title)} <span class="legend">${legend}</span></figcaption>${svg}`;
}

async function renderReport() {
  if (!$('report-from').value) {
    const today = state.today || new Date().toISOString().slice(0, 10);
    $('report-from').value = today.slice(0, 8) + '01';
    $('report-to').value = today;
  }
  const report = await api(REPORTING + 'GetReport', {
    level: $('report-level').value, period: $('report-period').value,
    fromDate: $('report-from').value, toDate: $('report-to').value,
  });
  const t = report.total || {};
  let cards = card('total-placed', 'orders placed', num(t.ordersPlaced)) +
    card('total-delivered', 'delivered', num(t.ordersDelivered)) +
    card('total-cancelled', 'cancelled', num(t.ordersCancelled));
  for (const c of t.cancelledByReason || []) {
    cards += card('total-cancelled-' + reasonName(c.reason).replace(/ /g, '_'),
      'cancelled: ' + reasonName(c.reason), num(c.count));
  }
  cards += card('total-goods-paid', 'goods paid to traders', num(t.goodsPaidIdr),
    fmtIdr(t.goodsPaidIdr)) +
    card('total-delivery-fees', 'delivery fees earned', num(t.deliveryFeesIdr),
      fmtIdr(t.deliveryFeesIdr)) +
    card('total-active-stalls', 'active stalls', num(t.activeStalls)) +
    card('total-active-couriers', 'active couriers', num(t.activeCouriers)) +
    card('total-response-median', 'trader response, median',
      num((t.traderResponse || {}).medianMs), fmtDuration((t.traderResponse || {}).medianMs)) +
    card('total-response-p90', 'trader response, p90', num((t.traderResponse || {}).p90Ms),
      fmtDuration((t.traderResponse || {}).p90Ms)) +
    card('total-delivery-median', 'delivery time, median', num((t.deliveryTime || {}).medianMs),
      fmtDuration((t.deliveryTime || {}).medianMs)) +
    card('total-delivery-p90', 'delivery time, p90', num((t.deliveryTime || {}).p90Ms),
      fmtDuration((t.deliveryTime || {}).p90Ms)) +
    card('total-tickets-expired', 'tickets expired', num(t.ticketsExpired)) +
    card('total-delivery-failed', 'failed deliveries', num(t.ordersDeliveryFailed)) +
    card('total-failure-fees', 'failure fees charged', num(t.failureFeesIdr),
      fmtIdr(t.failureFeesIdr)) +
    card('total-returned', 'returned (goods all back)', num(t.ordersReturned)) +
    card('total-at-office', 'tickets received at the market office',
      num(t.ticketsAtMarketOffice)) +
    card('total-office-goods', 'goods at the office, owed to couriers',
      num(t.goodsAtMarketOfficeIdr), fmtIdr(t.goodsAtMarketOfficeIdr));
  $('report-total').innerHTML = cards;

  const rows = report.rows || [];
  const label = (r) => r.period + (r.marketName ? ' ' + r.marketName : r.kecamatan ? ' ' +
    r.kecamatan : '');
  const chartRows = rows.map((r) => ({ label: label(r), f: r.figures || {} }));
  $('report-chart').innerHTML = barChart('Orders', chartRows, [
    { name: 'placed', color: '#0b7a4b', value: (r) => num(r.f.ordersPlaced) },
    { name: 'delivered', color: '#4a90c2', value: (r) => num(r.f.ordersDelivered) },
    { name: 'cancelled', color: '#b3261e', value: (r) => num(r.f.ordersCancelled) },
  ]) + barChart('Money (Rp)', chartRows, [
    { name: 'goods paid to traders', color: '#9a6200', value: (r) => num(r.f.goodsPaidIdr) },
    { name: 'delivery fees', color: '#6b4fa0', value: (r) => num(r.f.deliveryFeesIdr) },
  ]);

  let html = '<tr><th class="text">period</th><th class="text">kecamatan</th>' +
    '<th class="text">market</th><th>placed</th><th>delivered</th><th>cancelled</th>' +
    '<th>failed at the door</th>' +
    '<th>goods paid</th><th>delivery fees</th><th>stalls</th><th>couriers</th>' +
    '<th>response p50 / p90</th><th>delivery p50 / p90</th></tr>';
  for (const r of rows) {
    const f = r.figures || {};
    html += `<tr data-test="report-row"><td>${esc(r.period)}</td><td class="text">` +
      `${esc(r.kecamatan)}</td><td class="text">${esc(r.marketName)}</td>` +
      `<td>${figure('row-placed', num(f.ordersPlaced), fmtInt(f.ordersPlaced))}</td>` +
      `<td>${fmtInt(f.ordersDelivered)}</td><td>${fmtInt(f.ordersCancelled)}</td>` +
      `<td>${fmtInt(f.ordersDeliveryFailed)}</td>` +
      `<td>${fmtIdr(f.goodsPaidIdr)}</td><td>${fmtIdr(f.deliveryFeesIdr)}</td>` +
      `<td>${fmtInt(f.activeStalls)}</td><td>${fmtInt(f.activeCouriers)}</td>` +
      `<td>${fmtDuration((f.traderResponse || {}).medianMs)} / ` +
      `${fmtDuration((f.traderResponse || {}).p90Ms)}</td>` +
      `<td>${fmtDuration((f.deliveryTime || {}).medianMs)} / ` +
      `${fmtDuration((f.deliveryTime || {}).p90Ms)}</td></tr>`;
  }
  $('report-rows').innerHTML = html;
}

// ---- staple prices ---------------------------------------------------------------------------

function sparkline(values) {
  if (values.length < 2) return '';
  const w = 80, h = 20, min = Math.min(...values), max = Math.max(...values);
  const span = Math.max(1, max - min);
  const points = values.map((v, i) => `${(i * w / (values.length - 1)).toFixed(1)},` +
    `${(h - 2 - (v - min) * (h - 4) / span).toFixed(1)}`).join(' ');
  return `<svg width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" aria-label="trend">` +
    `<polyline fill="none" stroke="#0b7a4b" stroke-width="1.5" points="${points}"/></svg>`;
}

function pricesRequest() {
  if (!$('prices-from').value) {
    const today = state.today || new Date().toISOString().slice(0, 10);
    const from = new Date(today + 'T00:00:00Z');
    from.setUTCDate(from.getUTCDate() - 6);
    $('prices-from').value = from.toISOString().slice(0, 10);
    $('prices-to').value = today;
  }
  return { fromDate: $('prices-from').value, toDate: $('prices-to').value,
    marketId: $('prices-market').value };
}

async function renderPrices() {
  const prices = (await api(REPORTING + 'GetStaplePrices', pricesRequest())).prices || [];
  // The trend of each market and commodity: its daily medians, up to the row's day.
  const series = {};
  for (const p of prices) {
    const key = p.marketId + '|' + p.commodity;
    (series[key] = series[key] || []).push({ date: p.date, median: num(p.paidMedianIdr) });
  }
  let html = '<tr><th class="text">date</th><th class="text">market</th>' +
    '<th class="text">commodity</th><th class="text">unit</th><th>listed</th><th>paid min</th>' +
    '<th>paid median</th><th>paid max</th><th>sales</th><th>vs day before</th><th>trend</th>' +
    '<th>reference</th><th class="text">alert</th></tr>';
  const rows = prices.slice().sort((a, b) => b.date.localeCompare(a.date));
  for (const p of rows) {
    const change = num(p.changeIdr);
    const changeText = !p.hasPrevious ? '–'
      : (change > 0 ? '▲ ' : change < 0 ? '▼ ' : '') + fmtIdr(Math.abs(change)) +
        ` (${(num(p.changePermille) / 10).toFixed(1)} %)`;
    const trend = (series[p.marketId + '|' + p.commodity] || []).filter((d) => d.date <= p.date)
      .map((d) => d.median);
    const alert = { PRICE_ALERT_ABOVE_BAND: ['above', 'above the band'],
      PRICE_ALERT_BELOW_BAND: ['below', 'below the band'],
      PRICE_ALERT_WITHIN_BAND: ['within', 'within the band'] }[p.alert];
    html += `<tr data-test="price-row" data-date="${esc(p.date)}" data-market="` +
      `${esc(p.marketId)}" data-commodity="${esc(p.commodity)}"><td>${esc(p.date)}</td>` +
      `<td class="text">${esc(p.marketName)}</td><td class="text">${esc(p.commodityName)}</td>` +
      `<td class="text">${esc(p.standardUnit)}</td><td>${fmtIdr(p.listedMedianIdr)}</td>` +
      `<td>${figure('paid-min', num(p.paidMinIdr), fmtIdr(p.paidMinIdr))}</td>` +
      `<td>${figure('paid-median', num(p.paidMedianIdr), fmtIdr(p.paidMedianIdr))}</td>` +
      `<td>${figure('paid-max', num(p.paidMaxIdr), fmtIdr(p.paidMaxIdr))}</td>` +
      `<td>${figure('sales', num(p.sales), fmtInt(p.sales))}</td>` +
      `<td class="${change > 0 ? 'up' : change < 0 ? 'down' : ''}">${changeText}</td>` +
      `<td>${sparkline(trend)}</td>` +
      `<td>${num(p.referencePriceIdr) ? fmtIdr(p.referencePriceIdr) + ' ± ' + p.bandPercent +
        ' %' : '–'}</td><td class="text">` +
      (alert ? `<span class="badge ${alert[0]}" data-test="alert">${alert[1]}</span>` : '') +
      '</td></tr>';
  }
  if (prices.length === 0) html += '<tr><td colspan="13">no sale of a staple in this period</td></tr>';
  $('prices-table').innerHTML = html;
}

async function downloadExport() {
  try {
    const req = pricesRequest();
    const out = await api(REPORTING + 'GetPriceExport', req);
    const blob = new Blob([out.csv || ''], { type: 'text/csv;charset=utf-8' });
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = out.fileName || 'harga-pokok.csv';
    document.body.appendChild(a);
    a.click();
    a.remove();
    $('prices-export').dataset.rows = String(num(out.rows));
  } catch (err) {
    showError(err);
  }
}

async function setReference(event) {
  event.preventDefault();
  try {
    await api(REPORTING + 'SetReferencePrice', {
      requestId: requestId(), commodity: $('reference-commodity').value,
      marketId: $('reference-market').value, priceIdr: $('reference-price').value,
      bandPercent: Number($('reference-band').value),
    });
    $('reference-done').textContent = 'set';
    await refresh();
  } catch (err) {
    showError(err);
  }
}

// ---- wiring ----------------------------------------------------------------------------------

document.addEventListener('DOMContentLoaded', () => {
  $('signin-form').addEventListener('submit', (e) => {
    e.preventDefault();
    signIn($('token').value);
  });
  $('sign-out').addEventListener('click', () => signOut(''));
  document.querySelectorAll('nav button[data-tab]').forEach((b) => {
    b.addEventListener('click', () => show(b.dataset.tab));
  });
  $('report-form').addEventListener('submit', (e) => { e.preventDefault(); refresh(); });
  $('prices-form').addEventListener('submit', (e) => { e.preventDefault(); refresh(); });
  $('prices-export').addEventListener('click', downloadExport);
  $('reference-form').addEventListener('submit', setReference);
  $('pipeline').addEventListener('click', (e) => {
    const button = e.target.closest('button[data-test="pause"]');
    if (button) pauseStall(button.dataset.stall, button);
  });
  setInterval(() => { if ($('live').checked && !document.hidden) refresh(); }, REFRESH_MS);
  const saved = sessionStorage.getItem('pasar-token');
  if (saved) signIn(saved);
});
