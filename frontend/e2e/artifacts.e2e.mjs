// @ts-check
/**
 * Artifacts (SPEC §12): the files a run leaves in /runner/out show under its output — a
 * matplotlib figure inline (a click enlarges it, Escape closes it), a CSV as a table — in a
 * real browser against VED_E2E_URL.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { browserLoggedInAs, createScriptInEditor, screenshot } from './helpers.mjs';

const stamp = Date.now().toString(36);
/** Writes a small CSV (one cell holds a comma, so it is quoted) and leaves a plot open. */
const PLOTTER = `"""Artifacts check ${stamp}."""
import csv

import matplotlib.pyplot as plt

# No indented block: Monaco indents typed lines after a colon by itself.
out = open("/runner/out/table.csv", "w", newline="")
writer = csv.writer(out)
writer.writerows([["city", "note", "value"], ["Oslo", "cold", 1], ["Paris", "Smith, Jane", 2], ["Rome", "warm", 3]])
out.close()

plt.plot([1, 2, 3], [1, 4, 9])
plt.title("squares")
plt.show()
print("done")
`;

/** @type {import('playwright-core').Browser} */
let browser;
/** @type {import('playwright-core').Page} */
let page;
/** @type {string[]} */
let pageErrors = [];

before(async () => {
  ({ browser, page, errors: pageErrors } = await browserLoggedInAs('ed1', '1editor'));
});

after(async () => {
  await browser?.close();
});

test('a run that writes a CSV and leaves a plot open shows the figure inline and the table, and the figure zooms', async () => {
  await createScriptInEditor(page, PLOTTER);

  await page.click('button:has-text("Run draft")');
  await page.waitForSelector('[data-testid=execution-meta]', { timeout: 90_000 });
  const status = (await page.locator('[data-testid=output-panel] [data-testid=run-status]').innerText()).trim();
  if (status !== 'Success') assert.fail(`the run ended ${status}: ${await page.locator('[data-testid=output-panel]').innerText()}`);

  const strip = page.locator('[data-testid=artifacts]');
  await strip.waitFor();
  const figure = strip.locator('[data-testid=artifact][data-name="figure-1.png"] img[data-testid=artifact-image]');
  await figure.waitFor();
  assert.match((await figure.getAttribute('src')) ?? '', /\/api\/executions\/\d+\/artifacts\/figure-1\.png$/);
  // Loaded and decoded: the browser knows its size (a failed image has naturalWidth 0).
  await figure.evaluate((img) => /** @type {HTMLImageElement} */ (img).decode());
  assert.ok((await figure.evaluate((img) => /** @type {HTMLImageElement} */ (img).naturalWidth)) > 0, 'the figure loaded');

  const table = strip.locator('[data-testid=artifact][data-name="table.csv"] [data-testid=artifact-table]');
  await table.waitFor();
  assert.deepEqual(await table.locator('thead th').allInnerTexts(), ['city', 'note', 'value']);
  assert.equal(await table.locator('tbody tr').count(), 3);
  assert.deepEqual(await table.locator('tbody tr:nth-child(2) td').allInnerTexts(), ['Paris', 'Smith, Jane', '2']);
  assert.equal(await strip.locator('[data-testid=artifact-table-cut]').count(), 0, 'three rows are not cut');
  await strip.scrollIntoViewIfNeeded();
  await screenshot(page, 'artifacts-strip');

  await figure.click();
  const zoom = page.locator('[data-testid=artifact-zoom]');
  await zoom.waitFor();
  const zoomed = await zoom.locator('img').boundingBox();
  const inline = await figure.boundingBox();
  assert.ok(zoomed && inline && zoomed.width > inline.width, `the zoomed figure is larger (${zoomed?.width} > ${inline?.width})`);
  await screenshot(page, 'artifacts-zoomed');
  await page.keyboard.press('Escape');
  await zoom.waitFor({ state: 'detached' });

  assert.deepEqual(pageErrors, []);
});

test('an old execution opened again shows its artifacts', async () => {
  const executionId = await page
    .locator('[data-testid=artifact][data-name="figure-1.png"] img')
    .getAttribute('src')
    .then((src) => Number(/executions\/(\d+)\//.exec(src ?? '')?.[1]));
  assert.ok(executionId > 0);
  const scriptUrl = page.url().replace(/\?.*$/, '');
  await page.goto(`${scriptUrl}?execution=${executionId}`);
  await page.waitForSelector('[data-testid=execution-meta]', { timeout: 30_000 });
  await page.locator('[data-testid=artifact][data-name="figure-1.png"] img').waitFor();
  await page.locator('[data-testid=artifact-table] td:text-is("Smith, Jane")').waitFor();
  assert.deepEqual(pageErrors, []);
});
