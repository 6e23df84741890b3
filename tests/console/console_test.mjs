// The web console in headless Chromium (Debian's /usr/bin/chromium, driven by puppeteer-core).
// Run by tests/office_e2etest.cc against the real services after a short seeded day:
//
//   node console_test.mjs <settings.json>
//
// settings.json: {url, from, to, tokens: {operator, official, expired, refused},
//                 expected: {placed, delivered, cancelled, cancelled_by_reason: {reason: n},
//                            goods_paid_idr, delivery_fees_idr, active_stalls, active_couriers,
//                            prices: [{date, market, commodity, paid_min, paid_median,
//                                      paid_max, sales}], export_rows, export_csv},
//                 screenshots: "<folder>" or "", chromium: "/usr/bin/chromium"}
// It signs in with a refused and an expired token (and checks the message), then as an operator
// and as an official, reads the numbers on the page and compares them with `expected` (the
// reporting RPCs' and the simulator's report), downloads the export, and as the operator pauses
// a stall from the pipeline. It prints one JSON line of what it saw and exits 1 on any mismatch.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import puppeteer from 'puppeteer-core';

const settings = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const problems = [];
const seen = {};

// JSON with the keys of every object sorted: the same values compare equal in any key order.
function canonical(v) {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === 'object') {
    return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical(v[k])]));
  }
  return v;
}

function check(what, actual, expected) {
  if (JSON.stringify(canonical(actual)) !== JSON.stringify(canonical(expected))) {
    problems.push(`${what}: page shows ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`);
  }
}

const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'pasar-console-'));
const downloads = fs.mkdtempSync(path.join(os.tmpdir(), 'pasar-downloads-'));
const browser = await puppeteer.launch({
  executablePath: settings.chromium || '/usr/bin/chromium',
  headless: true,
  userDataDir: profile,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--disable-dev-shm-usage', '--window-size=1400,1000'],
  defaultViewport: { width: 1400, height: 1000 },
});

async function shot(page, name) {
  if (!settings.screenshots) return;
  fs.mkdirSync(settings.screenshots, { recursive: true });
  await page.screenshot({ path: path.join(settings.screenshots, name), fullPage: true });
}

async function signIn(page, token) {
  await page.goto(settings.url, { waitUntil: 'load' });
  await page.waitForSelector('#token', { visible: true });
  await page.$eval('#token', (el, t) => { el.value = t; }, token);
  await page.click('#signin-button');
}

// The data-value of every element with data-test="<name>" inside `root` (a selector).
async function values(page, root, name) {
  return page.$$eval(`${root} [data-test="${name}"]`, (els) => els.map((e) => e.dataset.value));
}
async function value(page, name) {
  const v = await values(page, '#report-total', name);
  return v.length === 1 ? Number(v[0]) : null;
}

async function signInFails(token, expectWords, screenshot) {
  const page = await browser.newPage();
  await signIn(page, token);
  await page.waitForSelector('#signin-error:not([hidden])', { timeout: 20000 });
  const text = await page.$eval('#signin-error', (e) => e.textContent);
  if (!expectWords.test(text)) problems.push(`sign-in message "${text}" lacks ${expectWords}`);
  const appShown = await page.$eval('#app', (e) => !e.hidden);
  if (appShown) problems.push('the console opened for a token that was refused');
  await shot(page, screenshot);
  await page.close();
  return text;
}

async function report(page, role) {
  const e = settings.expected;
  await page.click('nav button[data-tab="report"]');
  await page.waitForSelector('#report-total [data-test="total-placed"]', { timeout: 20000 });
  await page.select('#report-level', 'REPORT_LEVEL_REGENCY');
  await page.select('#report-period', 'REPORT_PERIOD_DAY');
  await page.$eval('#report-from', (el, v) => { el.value = v; }, settings.from);
  await page.$eval('#report-to', (el, v) => { el.value = v; }, settings.to);
  await page.$eval('#live', (el) => { el.checked = false; });
  await page.click('#report-show');
  // The figures shown are those of the range asked for once every order is in them.
  await page.waitForFunction((placed) => {
    const el = document.querySelector('#report-total [data-test="total-placed"]');
    return el && Number(el.dataset.value) === placed;
  }, { timeout: 20000 }, e.placed).catch(() => {});
  const got = {
    placed: await value(page, 'total-placed'),
    delivered: await value(page, 'total-delivered'),
    cancelled: await value(page, 'total-cancelled'),
    goods_paid_idr: await value(page, 'total-goods-paid'),
    delivery_fees_idr: await value(page, 'total-delivery-fees'),
    delivery_failed: await value(page, 'total-delivery-failed'),
    returned: await value(page, 'total-returned'),
    active_stalls: await value(page, 'total-active-stalls'),
    active_couriers: await value(page, 'total-active-couriers'),
    cancelled_by_reason: {},
  };
  for (const reason of Object.keys(e.cancelled_by_reason)) {
    got.cancelled_by_reason[reason] = await value(page, 'total-cancelled-' + reason);
  }
  for (const k of Object.keys(got)) check(`${role} report ${k}`, got[k], e[k]);
  const rows = await page.$$eval('#report-rows [data-test="report-row"]', (r) => r.length);
  if (rows < 1) problems.push(`${role} report: no row per day`);
  const chart = await page.$$eval('#report-chart svg rect', (r) => r.length);
  if (chart < 1) problems.push(`${role} report: the chart has no bar`);
  seen[role + '_report'] = got;
  await shot(page, `console-report-${role}.png`);
}

async function prices(page, role) {
  await page.click('nav button[data-tab="prices"]');
  await page.$eval('#prices-from', (el, v) => { el.value = v; }, settings.from);
  await page.$eval('#prices-to', (el, v) => { el.value = v; }, settings.to);
  await page.click('#prices-show');
  const want = settings.expected.prices;
  await page.waitForFunction((n) => document.querySelectorAll(
    '#prices-table [data-test="price-row"]').length === n, { timeout: 20000 }, want.length)
    .catch(() => {});
  const rows = await page.$$eval('#prices-table [data-test="price-row"]', (trs) => trs.map((tr) => {
    const v = (name) => Number(tr.querySelector(`[data-test="${name}"]`).dataset.value);
    return { date: tr.dataset.date, market: tr.dataset.market, commodity: tr.dataset.commodity,
      paid_min: v('paid-min'), paid_median: v('paid-median'), paid_max: v('paid-max'),
      sales: v('sales') };
  }));
  const key = (r) => `${r.date}|${r.market}|${r.commodity}`;
  check(`${role} price rows`, rows.map(key).sort(), want.map(key).sort());
  const byKey = Object.fromEntries(rows.map((r) => [key(r), r]));
  for (const w of want) check(`${role} price ${key(w)}`, byKey[key(w)] || null, w);
  seen[role + '_price_rows'] = rows.length;
  await shot(page, `console-prices-${role}.png`);

  // The export, as the browser downloads it.
  const cdp = await page.createCDPSession();
  await cdp.send('Browser.setDownloadBehavior', { behavior: 'allow', downloadPath: downloads });
  await page.click('#prices-export');
  let file = null;
  for (let i = 0; i < 100 && !file; ++i) {
    await new Promise((r) => setTimeout(r, 100));
    file = fs.readdirSync(downloads).find((f) => f.endsWith('.csv'));
  }
  if (!file) {
    problems.push(`${role}: the export was not downloaded`);
  } else {
    check(`${role} export`, fs.readFileSync(path.join(downloads, file), 'utf8'),
      settings.expected.export_csv);
    fs.rmSync(path.join(downloads, file));
  }
}

async function today(page, role) {
  await page.click('nav button[data-tab="today"]');
  await page.waitForSelector('#pipeline [data-test="market"]', { timeout: 20000 });
  const markets = await page.$$eval('#pipeline [data-test="market"]', (m) => m.length);
  check(`${role} pipeline markets`, markets, settings.expected.markets);
  const pauses = await page.$$eval('#pipeline button[data-test="pause"]', (b) => b.length);
  seen[role + '_pause_buttons'] = pauses;
  await shot(page, `console-today-${role}.png`);
  return pauses;
}

try {
  seen.refused = await signInFails(settings.tokens.refused, /refused/i, 'console-refused.png');
  seen.expired = await signInFails(settings.tokens.expired, /expired/i, 'console-expired.png');

  const operator = await browser.newPage();
  await signIn(operator, settings.tokens.operator);
  await operator.waitForSelector('#app:not([hidden])', { timeout: 20000 });
  check('operator role', await operator.$eval('#who-role', (e) => e.textContent), 'operator');
  const pauses = await today(operator, 'operator');
  await report(operator, 'operator');
  await prices(operator, 'operator');
  // The office pauses the first stall that let tickets expire.
  if (settings.expected.stalls_to_watch > 0) {
    if (pauses < 1) problems.push('operator: no Pause button for the stalls that let tickets expire');
    // Live again: the pipeline shows the pause once the reporting service has its event.
    await operator.$eval('#live', (el) => { el.checked = true; });
    await operator.click('nav button[data-tab="today"]');
    await operator.waitForSelector('#pipeline button[data-test="pause"]', { timeout: 20000 });
    // Read and press the button in one turn of the page: the live refresh re-renders the
    // pipeline, and a button found in one step may be detached by the next.
    seen.paused_stall = await operator.$eval('#pipeline button[data-test="pause"]', (b) => {
      b.click();
      return b.dataset.stall;
    });
    await operator.waitForSelector(`#pipeline tr[data-stall="${seen.paused_stall}"] ` +
      '[data-test="paused"]', { timeout: 20000 }).catch(() => problems.push(
      'operator: the paused stall is not shown paused'));
  }
  await operator.close();

  const official = await browser.newPage();
  await signIn(official, settings.tokens.official);
  await official.waitForSelector('#app:not([hidden])', { timeout: 20000 });
  check('official role', await official.$eval('#who-role', (e) => e.textContent), 'official');
  const officialPauses = await today(official, 'official');
  if (officialPauses !== 0) problems.push('official: Pause buttons shown to a read-only role');
  await report(official, 'official');
  await prices(official, 'official');
  await official.close();
} catch (err) {
  problems.push('error: ' + (err && err.stack || err));
} finally {
  await browser.close();
  fs.rmSync(profile, { recursive: true, force: true });
  fs.rmSync(downloads, { recursive: true, force: true });
}

console.log(JSON.stringify({ seen, problems }));
process.exit(problems.length === 0 ? 0 : 1);
