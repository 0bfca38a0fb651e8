// @ts-check
/**
 * Live output of a run (SPEC §12) and versions you can compare, restore and describe
 * (SPEC §16), in a real browser against VED_E2E_URL.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  BASE_URL,
  launchBrowser,
  login,
  newPage,
  requireBaseUrl,
  screenshot,
  scriptIdFromUrl,
  setEditorText,
  waitForVersion,
} from './helpers.mjs';

const stamp = Date.now().toString(36);
const SLOW = `"""Slow printer ${stamp}."""
import time

print("first line")
time.sleep(2)
print("second line")
`;

/** @type {import('playwright-core').Browser} */
let browser;
/** @type {import('playwright-core').Page} */
let page;
/** @type {string[]} */
let pageErrors = [];
/** @type {number} */
let slowId;

before(async () => {
  requireBaseUrl();
  browser = await launchBrowser();
  ({ page, errors: pageErrors } = await newPage(browser));
  await login(page, 'ed1', '1editor');
});

after(async () => {
  await browser?.close();
});

/** The text of the output panel's status badge. */
async function runStatus() {
  return (await page.locator('[data-testid=output-panel] [data-testid=run-status]').innerText()).trim();
}

test('a run streams: the first line shows while it still runs, then the second and Success', async () => {
  await page.goto(`${BASE_URL}/editor/new`);
  await page.waitForSelector('.monaco-editor');
  await setEditorText(page, SLOW);
  await page.click('button:has-text("Save")');
  await page.waitForURL(/\/editor\/\d+$/);
  slowId = scriptIdFromUrl(page);
  await waitForVersion(page, '0.1');

  await page.click('button:has-text("Run draft")');
  await page.waitForSelector('[data-testid=stdout]:has-text("first line")', { timeout: 60_000 });
  // Still running: the status says so, the second line has not come, nothing is final yet.
  assert.equal(await runStatus(), 'Running');
  assert.doesNotMatch((await page.textContent('[data-testid=stdout]')) ?? '', /second line/);
  assert.equal(await page.locator('[data-testid=execution-meta]').count(), 0);
  await screenshot(page, 'live-output-running');

  await page.waitForSelector('[data-testid=stdout]:has-text("second line")', { timeout: 30_000 });
  await page.waitForSelector('[data-testid=execution-meta]');
  assert.equal(await runStatus(), 'Success');
  assert.equal(await page.textContent('[data-testid=exit-code]'), '0');
  assert.match((await page.textContent('[data-testid=duration]')) ?? '', /^\d+(\.\d+)? s$/);
  assert.match((await page.textContent('[data-testid=stdout]')) ?? '', /first line\s+second line/);
});

test('a reloaded page reattaches to a run still going', async () => {
  await page.click('button:has-text("Run draft")');
  await page.waitForSelector('[data-testid=stdout]:has-text("first line")', { timeout: 60_000 });
  assert.match(page.url(), new RegExp(`/editor/${slowId}\\?execution=\\d+$`), 'the running execution is in the URL');
  const executionId = Number(new URL(page.url()).searchParams.get('execution'));

  await page.reload();
  await page.waitForSelector('[data-testid=live-meta]');
  // Everything so far is replayed, and the rest streams.
  await page.waitForSelector('[data-testid=stdout]:has-text("first line")');
  assert.equal(await runStatus(), 'Running');
  await page.waitForSelector('[data-testid=stdout]:has-text("second line")', { timeout: 30_000 });
  await page.waitForSelector('[data-testid=execution-meta]');
  assert.equal(await runStatus(), 'Success');

  const answer = await page.request.get(`${BASE_URL}/api/executions/${executionId}`);
  assert.equal((await answer.json()).status, 'succeeded');
});

test('no uncaught errors in the page', () => {
  assert.deepEqual(pageErrors, []);
});
