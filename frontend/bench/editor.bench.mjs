// @ts-check
/**
 * The editor's latency in a real browser against a running server (VED_E2E_URL, as the e2e
 * suite gets it from `e2e_env`): how long after a click on a catalog row the first Pyright
 * squiggle shows, on a cold and on a warm browser cache, and how long after a keystroke a new
 * squiggle shows. Run with `make bench-ui`; prints a table like `make bench`'s and writes it
 * to `frontend/test-results/bench-ui.json`.
 *
 * Every time is taken inside the page (`performance.now()`): the click or keydown event as
 * the page receives it, and the moment a `.squiggly-error` decoration enters the DOM (what the
 * user sees), so the test driver's own latency is not in the figures.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { BASE_URL, RESULTS_DIR, launchBrowser, login, requireBaseUrl } from '../e2e/helpers.mjs';

const TARGET_OPEN_MS = 2500;
const TARGET_KEYSTROKE_MS = 300;
const COLD_OPENS = Number(process.env.VED_BENCH_COLD_OPENS ?? 3);
const WARM_OPENS = Number(process.env.VED_BENCH_WARM_OPENS ?? 5);
const KEYSTROKES = Number(process.env.VED_BENCH_KEYSTROKES ?? 20);
/** How long a (fast) user looks at the catalog before clicking a script. */
const DWELL_MS = Number(process.env.VED_BENCH_DWELL_MS ?? 1000);
/** Pyright has checked a change once no new squiggle came for this long. */
const SETTLE_MS = 1500;

const stamp = Date.now().toString(36);
// One type error from the start; the keystrokes below each add one more.
const SCRIPT = `"""Bench editor ${stamp}.

Sums the numbers in its test data.
"""
import sys


def total(path: str) -> int:
    with open(path, encoding="utf-8") as handle:
        return sum(int(line) for line in handle if line.strip())


count: int = "not a number"
print(total(sys.argv[1]), count)
`;

/**
 * Runs in every page before its own scripts: records when the user clicked or pressed a key
 * and when the number of error squiggles on screen changed.
 */
function recordSquiggles() {
  /** @type {{ clickAt: number | null, keyAt: number | null, squiggles: { at: number, count: number }[] }} */
  const bench = { clickAt: null, keyAt: null, squiggles: [] };
  Object.assign(window, { __bench: bench });
  addEventListener('click', () => (bench.clickAt = performance.now()), { capture: true });
  addEventListener('keydown', () => (bench.keyAt = performance.now()), { capture: true });
  let last = 0;
  new MutationObserver(() => {
    const count = document.querySelectorAll('.monaco-editor .squiggly-error').length;
    if (count !== last) {
      last = count;
      bench.squiggles.push({ at: performance.now(), count });
    }
  }).observe(document, { childList: true, subtree: true });
}

/** @param {import('playwright-core').Page} page */
const benchState = (page) =>
  page.evaluate(() => /** @type {any} */ (window).__bench);

/**
 * The first moment at least `count` squiggles were on screen after `since`.
 * @param {import('playwright-core').Page} page
 * @param {number} count
 * @param {number} since
 */
async function squigglesShown(page, count, since) {
  const handle = await page.waitForFunction(
    ({ count, since }) =>
      /** @type {any} */ (window).__bench.squiggles.find(
        (/** @type {{ at: number, count: number }} */ s) => s.at >= since && s.count >= count,
      )?.at ?? null,
    { count, since },
    { timeout: 60_000, polling: 50 },
  );
  return /** @type {number} */ (await handle.jsonValue());
}

/**
 * Loads the catalog as a new document, waits `DWELL_MS`, clicks the script and answers the
 * milliseconds from the click to its first squiggle.
 * @param {import('playwright-core').Page} page
 * @param {number} scriptId
 */
async function openFromCatalog(page, scriptId) {
  await page.goto(`${BASE_URL}/`);
  const row = page.locator(`tr[data-script-id="${scriptId}"]`);
  await row.waitFor();
  await page.waitForTimeout(DWELL_MS);
  await row.click();
  const { clickAt } = await benchState(page);
  const shownAt = await squigglesShown(page, 1, clickAt);
  return shownAt - clickAt;
}

/**
 * Loads the editor's URL as a new document (a reload, a bookmark): milliseconds from the
 * navigation's start to the first squiggle.
 * @param {import('playwright-core').Page} page
 * @param {number} scriptId
 */
async function openByUrl(page, scriptId) {
  await page.goto(`${BASE_URL}/editor/${scriptId}`);
  return squigglesShown(page, 1, 0);
}

/**
 * Appends a correct line, lets Pyright check it, then types the one character that makes it
 * wrong (`1` → `1.`, a float where an int is declared): milliseconds from that keydown to the
 * new squiggle.
 * @param {import('playwright-core').Page} page
 * @param {number} sample
 */
async function keystrokeToSquiggle(page, sample) {
  await page.keyboard.press('ControlOrMeta+End');
  await page.keyboard.insertText(`\nsample_${sample}: int = 1`);
  await page.waitForTimeout(SETTLE_MS);
  const before = (await benchState(page)).squiggles.at(-1)?.count ?? 0;
  await page.keyboard.press('.');
  const { keyAt } = await benchState(page);
  const shownAt = await squigglesShown(page, before + 1, keyAt);
  return shownAt - keyAt;
}

/**
 * @param {number[]} samples
 * @param {number} q between 0 and 1
 */
function percentile(samples, q) {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? NaN;
}

/** Three significant digits or so, as `make bench` prints them. */
function number(/** @type {number} */ value) {
  const abs = Math.abs(value);
  return abs >= 100 ? value.toFixed(0) : abs >= 10 ? value.toFixed(1) : value.toFixed(2);
}

/**
 * @param {string} name
 * @param {number} value
 * @param {string} unit
 * @param {number} baseline
 */
function row(name, value, unit, baseline) {
  return { name, value, unit, baseline, ratio: value / baseline };
}

/** @param {import('playwright-core').Browser} browser */
async function newBenchPage(browser) {
  // Tall enough that every line of the script, and so every squiggle, stays on screen.
  const context = await browser.newContext({ viewport: { width: 1280, height: 1400 } });
  await context.addInitScript(recordSquiggles);
  const page = await context.newPage();
  page.setDefaultTimeout(60_000);
  return { context, page };
}

async function main() {
  requireBaseUrl();
  const browser = await launchBrowser();
  try {
    // A fresh context has an empty HTTP cache: each cold sample gets its own.
    const cold = [];
    let scriptId = 0;
    for (let i = 0; i < COLD_OPENS; i++) {
      const { context, page } = await newBenchPage(browser);
      await login(page, 'ed1', '1editor');
      if (!scriptId) {
        const created = await page.request.post(`${BASE_URL}/api/scripts`, { data: { content: SCRIPT } });
        if (!created.ok()) throw new Error(`creating the script: ${created.status()} ${await created.text()}`);
        scriptId = (await created.json()).id;
      }
      cold.push(await openFromCatalog(page, scriptId));
      console.error(`cold open ${i + 1}: ${cold.at(-1)?.toFixed(0)} ms`);
      await context.close();
    }

    const { context, page } = await newBenchPage(browser);
    await login(page, 'ed1', '1editor');
    await openFromCatalog(page, scriptId); // fills this context's cache
    const warm = [];
    for (let i = 0; i < WARM_OPENS; i++) {
      warm.push(await openFromCatalog(page, scriptId));
      console.error(`warm open ${i + 1}: ${warm.at(-1)?.toFixed(0)} ms`);
    }
    const byUrl = [];
    for (let i = 0; i < WARM_OPENS; i++) {
      byUrl.push(await openByUrl(page, scriptId));
      console.error(`warm open by URL ${i + 1}: ${byUrl.at(-1)?.toFixed(0)} ms`);
    }

    await page.click('.monaco-editor .view-lines');
    await keystrokeToSquiggle(page, 0); // the first check after an edit warms nothing up twice
    const keystrokes = [];
    for (let i = 1; i <= KEYSTROKES; i++) keystrokes.push(await keystrokeToSquiggle(page, i));
    console.error(`keystrokes: ${keystrokes.map((k) => k.toFixed(0)).join(' ')} ms`);
    await context.close();

    const coldP50 = percentile(cold, 0.5);
    const dwell = `${DWELL_MS / 1000} s on the catalog`;
    const rows = [
      row(`11. first squiggle after a click on a catalog row, cold cache, p50 of ${cold.length} — vs the target`, coldP50, 'ms', TARGET_OPEN_MS),
      row(`11. first squiggle after a click on a catalog row (${dwell}), warm cache, p50 of ${warm.length} — vs the target`, percentile(warm, 0.5), 'ms', TARGET_OPEN_MS),
      row(`11. … warm cache, slowest of ${warm.length} — vs the target`, Math.max(...warm), 'ms', TARGET_OPEN_MS),
      row(`11. … warm cache, p50 — vs cold cache`, percentile(warm, 0.5), 'ms', coldP50),
      row(`11. first squiggle after loading /editor/{id} (no catalog first), warm cache, p50 — vs the target`, percentile(byUrl, 0.5), 'ms', TARGET_OPEN_MS),
      row(`11. new squiggle after a keystroke, p50 of ${keystrokes.length} — vs the target`, percentile(keystrokes, 0.5), 'ms', TARGET_KEYSTROKE_MS),
      row(`11. new squiggle after a keystroke, p95 of ${keystrokes.length} — vs the target`, percentile(keystrokes, 0.95), 'ms', TARGET_KEYSTROKE_MS),
    ];
    let table = '| figure | value | unit | baseline | ratio |\n| --- | ---: | --- | ---: | ---: |\n';
    for (const r of rows) {
      table += `| ${r.name} | ${number(r.value)} | ${r.unit} | ${number(r.baseline)} | ${r.ratio.toFixed(2)}× |\n`;
    }
    console.log(table);
    await mkdir(RESULTS_DIR, { recursive: true });
    await writeFile(path.join(RESULTS_DIR, 'bench-ui.json'), `${JSON.stringify(rows, null, 2)}\n`);
  } finally {
    await browser.close();
  }
}

await main();
