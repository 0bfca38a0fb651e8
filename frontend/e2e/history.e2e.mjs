// @ts-check
/* global document -- used inside page.evaluate, which runs in the browser */
/**
 * Viewing history must never change what Save or Run draft use: found in a real browser,
 * where viewing an old version and going back made Save commit the old content while
 * the editor showed the newest. Runs against VED_E2E_URL like the editor story.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  BASE_URL,
  browserLoggedInAs,
  createScriptInEditor,
  login,
  newPage,
  screenshot,
  setEditorText,
  waitForEditorText,
  waitForVersion,
} from './helpers.mjs';

const stamp = Date.now().toString(36);
const scriptWith = (/** @type {string} */ value) => `"""History check ${stamp}."""
print("value is", ${value})
`;

/** @type {import('playwright-core').Browser} */
let browser;
/** @type {import('playwright-core').Page} */
let page;
/** @type {number} */
let scriptId;

before(async () => {
  ({ browser, page } = await browserLoggedInAs('ed1', '1editor'));
});

after(async () => {
  await browser?.close();
});

/**
 * Opens the history, views version `label` (whose text must match `shows`), goes back to
 * the latest and closes the history.
 * @param {string} label
 * @param {RegExp} shows
 */
async function viewThenGoBack(label, shows) {
  await page.click('[data-testid=version-badge]');
  await page.click(`[data-testid=version-history] [data-version="${label}"]`);
  await page.waitForSelector(`[data-testid=viewing-banner]:has-text("v${label}")`);
  await waitForEditorText(page, shows);
  await page.click('button:has-text("Back to latest")');
  await page.waitForSelector('[data-testid=viewing-banner]', { state: 'detached' });
  await page.click('button[aria-label="Close history"]');
}

/** The script as the server has it, through the page's own session. */
async function savedScript() {
  const answer = await page.request.get(`${BASE_URL}/api/scripts/${scriptId}`);
  assert.equal(answer.status(), 200);
  return answer.json();
}

test('an editor saves two versions', async () => {
  scriptId = await createScriptInEditor(page, scriptWith('1'));
  await setEditorText(page, scriptWith('2'));
  await page.click('button:has-text("Save")');
  await waitForVersion(page, '0.2');
});

test('after viewing an old version and going back, Save writes what the editor shows', async () => {
  await setEditorText(page, scriptWith('3'));
  await page.waitForSelector('[data-testid=unsaved]');

  await viewThenGoBack('0.1', /value is", 1\)/);

  const shown = await waitForEditorText(page, /value is", 3\)/);
  await page.click('button:has-text("Save")');
  await waitForVersion(page, '0.3');
  const saved = await savedScript();
  assert.equal(saved.version.label, '0.3');
  assert.equal(saved.content.trim(), shown.trim(), 'the saved content is what the editor showed');
  await screenshot(page, 'history-saved-what-was-shown');
});

test('viewing history again then running the draft runs what the editor shows', async () => {
  await setEditorText(page, scriptWith('4'));
  await viewThenGoBack('0.2', /value is", 2\)/);
  await waitForEditorText(page, /value is", 4\)/);

  // Run draft saves first (a draft run runs the latest saved version), then runs it.
  await page.click('button:has-text("Run draft")');
  await page.waitForSelector('[data-testid=execution-meta]', { timeout: 60_000 });
  assert.match((await page.textContent('[data-testid=stdout]')) ?? '', /value is 4/);
  const saved = await savedScript();
  assert.match(saved.content, /value is", 4\)/);
});

test('saving only a new ordering number says it was saved', async () => {
  await page.fill('input[aria-label="Ordering number"]', '42.5');
  await page.click('button:has-text("Save")');
  await page.waitForSelector('.toast:has-text("Saved ordering number 42.5")');
  assert.equal((await savedScript()).ordering_number, 42.5);
});

test('a viewer can go back to the latest version with the history drawer open', async () => {
  const viewer = await newPage(browser);
  await login(viewer.page, 'mo1', '2viewer');
  await viewer.page.goto(`${BASE_URL}/editor/${scriptId}`);
  await viewer.page.click('[data-testid=version-badge]');
  await viewer.page.click('[data-testid=version-history] [data-version="0.1"]');
  await viewer.page.waitForSelector('[data-testid=viewing-banner]:has-text("v0.1")');
  // A click fails unless the button is visible and nothing covers it.
  await viewer.page.click('[data-testid=viewing-banner] button:has-text("Back to latest")', { timeout: 5_000 });
  await viewer.page.waitForSelector('[data-testid=viewing-banner]', { state: 'detached' });
  await viewer.context.close();
});

test('logging out sends one request, answered 200', async () => {
  /** @type {number[]} */
  const answers = [];
  page.on('response', (response) => {
    if (response.url().endsWith('/api/auth/logout')) answers.push(response.status());
  });
  await page.click('button:has-text("Log out")');
  await page.waitForURL(/\/login/);
  await page.waitForTimeout(500);
  assert.deepEqual(answers, [200]);
});

test('a success toast covers nothing a user clicks or types into', async () => {
  await page.goto(`${BASE_URL}/login`);
  await login(page, 'ed1', '1editor');
  await page.goto(`${BASE_URL}/editor/${scriptId}`);
  await page.waitForSelector('[data-testid=llm-panel] textarea[aria-label="Prompt"]');
  await page.click('[role=tab]:has-text("Test data")');
  await setEditorText(page, scriptWith('5'));
  await page.click('button:has-text("Save")');
  const toast = page.locator('.toast:has-text("Saved v")');
  await toast.waitFor();
  const covered = await toast.evaluate((element) => {
    const box = element.getBoundingClientRect();
    /** @type {string[]} */
    const found = [];
    for (let x = box.left + 1; x < box.right; x += 8) {
      for (let y = box.top + 1; y < box.bottom; y += 4) {
        const under = document.elementsFromPoint(x, y).find((e) => !element.contains(e) && !e.closest('.toasts'));
        const control = under?.closest('button, a, input, textarea, select, [role=tab], .monaco-editor');
        if (control) found.push(control.outerHTML.slice(0, 80));
      }
    }
    return [...new Set(found)];
  });
  assert.deepEqual(covered, []);
  await screenshot(page, 'toast-clear-of-controls');
});
