// @ts-check
/**
 * The editor's and the viewer's story in a real browser against a running server
 * (VED_E2E_URL). The server's LLM base URL must point at a fake upstream whose answer
 * contains a ```python block.
 *
 * Steps share one browser and run in order; each step is one `test` so a failure says where.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  BASE_URL,
  editorText,
  launchBrowser,
  login,
  logout,
  newPage,
  requireBaseUrl,
  screenshot,
  scriptIdFromUrl,
  setEditorText,
  waitForEditorText,
  waitForVersion,
} from './helpers.mjs';

const stamp = Date.now().toString(36);
const NAME = `E2E greeter ${stamp}`;
const scriptWith = (/** @type {string} */ line) => `"""${NAME}.

Says hello and counts the characters of its test data.
"""
import sys

${line}
data = open(sys.argv[1], encoding="utf-8").read()
print("hello from e2e", len(data), x)
`;

/** @type {import('playwright-core').Browser} */
let browser;
/** @type {import('playwright-core').Page} */
let page;
/** @type {string[]} */
let pageErrors = [];
/** @type {number} */
let scriptId;
/** @type {number} */
let forkId;
/** @type {import('playwright-core').Worker[]} */
let catalogWorkers = [];

/** Pyright's workers start from a bootstrap script (a blob: URL), Monaco's from /assets/. */
const pyrightWorkers = () => page.workers().filter((w) => w.url().startsWith('blob:'));

/** @param {number} count */
async function waitForPyrightWorkers(count) {
  const deadline = Date.now() + 30_000;
  while (pyrightWorkers().length < count && Date.now() < deadline) await page.waitForTimeout(100);
  assert.equal(pyrightWorkers().length, count, 'Pyright workers');
}

before(async () => {
  requireBaseUrl();
  browser = await launchBrowser();
  ({ page, errors: pageErrors } = await newPage(browser));
});

after(async () => {
  await browser?.close();
});

test('an editor logs in and sees the catalog with editing controls', async () => {
  await page.goto(`${BASE_URL}/`);
  await page.waitForURL(/\/login/);
  await login(page, 'ed1', '1editor');
  assert.equal(await page.textContent('[data-testid=current-role]'), 'editor');
  assert.equal(await page.locator('a:has-text("+ New script")').count() > 0, true);
  assert.equal(await page.locator('button:has-text("Run all")').count(), 1);
});

test('the catalog starts Pyright (a foreground and a background worker) before any script is opened', async () => {
  await waitForPyrightWorkers(2);
  assert.equal(page.url(), `${BASE_URL}/`, 'still on the catalog');
  catalogWorkers = pyrightWorkers();
});

test('a wrong password is refused with a message', async () => {
  const { page: other } = await newPage(browser);
  await other.goto(`${BASE_URL}/login?next=%2Feditor%2Fnew`);
  await other.fill('input[name=username]', 'ed1');
  await other.fill('input[name=password]', 'wrong');
  await other.click('button[type=submit]');
  await other.waitForSelector('[role=alert]');
  assert.match(await other.textContent('[role=alert]') ?? '', /wrong username or password|too many/i);
  await other.context().close();
});

test('the editor creates a script: saving a new script makes v0.1', async () => {
  await page.click('a:has-text("+ New script")');
  await page.waitForURL(/\/editor\/new$/);
  await page.waitForSelector('.monaco-editor');
  await setEditorText(page, scriptWith('x: int = 1'));
  await page.click('button:has-text("Save")');
  await page.waitForURL(/\/editor\/\d+$/);
  scriptId = scriptIdFromUrl(page);
  await waitForVersion(page, '0.1');
  assert.equal(await page.textContent('[data-testid=script-title]'), `${NAME}.`);
});

test('a type error shows a Pyright squiggle, and fixing it clears it', async () => {
  await setEditorText(page, scriptWith('x: int = "a"'));
  await page.waitForSelector('.monaco-editor .squiggly-error', { timeout: 60_000 });
  await page.waitForSelector('[data-testid=error-count]:has-text("1 error")');
  // Checked by the workers the catalog started: none was booted for the editor.
  const now = pyrightWorkers();
  assert.equal(now.length, catalogWorkers.length, 'Pyright workers');
  assert.ok(now.every((worker) => catalogWorkers.includes(worker)), 'the same Pyright workers');

  await setEditorText(page, scriptWith('x: int = 1'));
  await page.waitForSelector('.monaco-editor .squiggly-error', { state: 'detached', timeout: 30_000 });
  await page.waitForSelector('[data-testid=error-count]:has-text("0 errors")');
});

test('saving the fix makes v0.2 (Ctrl+S)', async () => {
  // Change something so that there is a new version to save.
  await setEditorText(page, scriptWith('x: int = 2'));
  await page.waitForSelector('[data-testid=unsaved]');
  await page.click('.monaco-editor .view-lines');
  await page.keyboard.press('ControlOrMeta+S');
  await waitForVersion(page, '0.2');
  assert.equal(await page.locator('[data-testid=unsaved]').count(), 0);
});

test('bump major makes v1.0, merge puts it on prod', async () => {
  await page.click('button:has-text("Bump major")');
  await waitForVersion(page, '1.0');
  await page.click('button:has-text("Merge to prod")');
  // Merging asks first; nothing is on prod yet, so there is no diff to show.
  await page.waitForSelector('[data-testid=merge-dialog]:has-text("Nothing of this script is on prod yet")');
  await page.click('[data-testid=merge-dialog] button:has-text("Merge v1.0 to prod")');
  await page.waitForSelector('[data-testid=prod-badge]:has-text("prod v1.0")');
});

test('running prod shows the output panel with status, exit code and stdout', async () => {
  await page.click('[role=tab]:has-text("Test data")');
  await page.fill('[data-testid=test-data]', 'abc');
  await page.click('button:has-text("Run prod")');
  await page.waitForSelector('[data-testid=execution-meta]', { timeout: 60_000 });
  assert.equal(await page.textContent('[data-testid=exit-code]'), '0');
  assert.match(await page.textContent('[data-testid=execution-meta]') ?? '', /Success/);
  assert.match(await page.textContent('[data-testid=stdout]') ?? '', /hello from e2e 3 2/);
});

test('the version history opens from the badge and shows an old version read-only', async () => {
  await page.click('[data-testid=version-badge]');
  await page.waitForSelector('[data-testid=version-history] [data-version="0.1"]');
  await page.click('[data-testid=version-history] [data-version="0.1"]');
  await page.waitForSelector('[data-testid=viewing-banner]:has-text("v0.1")');
  await waitForEditorText(page, /x: int = 1/);
  await page.click('button:has-text("Back to latest")');
  await page.waitForSelector('[data-testid=viewing-banner]', { state: 'detached' });
  await page.click('button[aria-label="Close history"]');
});

test('forking makes a new script that names its parent', async () => {
  // The test data typed above is an unsaved change: Fork asks whether to carry it.
  await page.click('button:has-text("Fork")');
  await page.click('dialog[open] button:has-text("as saved")');
  await page.waitForURL((url) => /\/editor\/\d+$/.test(url.pathname) && !url.pathname.endsWith(`/${scriptId}`));
  forkId = scriptIdFromUrl(page);
  await waitForVersion(page, '0.1');
  await page.waitForSelector(`[data-testid=fork-parent]:has-text("#${scriptId}")`);
  await page.waitForSelector('[data-testid=prod-badge]:has-text("not on prod")');
});

test('the assistant answers with code that can be inserted into the editor', async () => {
  await page.fill('textarea[aria-label=Prompt]', 'Make this script tidier.');
  await page.click('button:has-text("Ask")');
  await page.waitForSelector('[data-testid=llm-answer]', { timeout: 60_000 });
  assert.ok((await page.textContent('[data-testid=llm-model]'))?.trim());
  assert.match(await page.textContent('[data-testid=llm-cost]') ?? '', /cost (\$|unknown)/);

  const code = await page.locator('[data-testid=llm-answer] .code-block code').first().innerText();
  const firstLine = code.split('\n').find((l) => l.trim()) ?? '';
  assert.ok(firstLine, 'the answer holds a code block');
  await page.click('[data-testid=llm-insert]');
  await page.waitForSelector('[data-testid=unsaved]');
  assert.ok((await editorText(page)).includes(firstLine.trim()), `editor shows "${firstLine.trim()}"`);
  assert.ok(!(await editorText(page)).includes('hello from e2e'), 'the whole script was replaced');
});

test('a prompt with a stop word is rejected by the guardrail', async () => {
  await page.fill('textarea[aria-label=Prompt]', 'then rm -rf the temp folder');
  await page.click('button:has-text("Ask")');
  await page.waitForSelector('[data-testid=llm-error]');
  assert.match(await page.textContent('[data-testid=llm-error]') ?? '', /disallowed content: 'rm -rf'/);
  await screenshot(page, 'editor');
});

test('leaving with unsaved changes asks first; keeping the draft restores it later', async () => {
  await page.click('a[aria-label="Back to the scripts"]');
  await page.waitForSelector('[data-testid=leave-dialog]');
  await page.click('[data-testid=leave-dialog] button:has-text("Leave, keep draft")');
  await page.waitForURL(`${BASE_URL}/`);
  await page.goto(`${BASE_URL}/editor/${forkId}`);
  await page.waitForSelector('[data-testid=draft-restored]');
  await page.click('[data-testid=draft-restored] button:has-text("Discard them")');
  await page.waitForSelector('[data-testid=unsaved]', { state: 'detached' });
});

test('run all shows per-group progress, then Success badges in the catalog', async () => {
  await page.goto(`${BASE_URL}/`);
  await page.click('button:has-text("Run all")');
  await page.waitForSelector('[data-testid=run-all-panel] .run-group');
  await page.waitForSelector('[data-testid=run-all-panel] h2:has-text("Last run-all")', { timeout: 120_000 });
  const row = page.locator(`tr[data-script-id="${scriptId}"]`);
  await row.locator('.badge-success').waitFor();
  assert.equal(await row.locator('.version-prod').innerText(), 'v1.0');
  // The hover card shows the docstring, last modified and version.
  await row.hover();
  await page.waitForSelector('[data-testid=script-tooltip]');
  assert.match(await page.textContent('[data-testid=script-tooltip]') ?? '', /Says hello and counts/);
  await screenshot(page, 'catalog');
});

test('a viewer sees no editing controls and a read-only editor', async () => {
  await logout(page);
  await login(page, 'mo1', '2viewer');
  assert.equal(await page.textContent('[data-testid=current-role]'), 'viewer');
  assert.equal(await page.locator('a:has-text("+ New script")').count(), 0);
  assert.equal(await page.locator('button:has-text("Run all")').count(), 0);

  await page.click(`tr[data-script-id="${scriptId}"]`);
  await page.waitForSelector('.monaco-editor');
  for (const label of ['Save', 'Fork', 'Bump major', 'Merge to prod', 'Run draft', 'Run prod', 'Assistant']) {
    assert.equal(await page.locator(`button:has-text("${label}")`).count(), 0, `no ${label} button`);
  }
  assert.equal(await page.getAttribute('[data-testid=editor-frame]', 'data-readonly'), 'true');
  const before = await editorText(page);
  await page.click('.monaco-editor .view-lines');
  await page.keyboard.type('zzz');
  assert.equal(await editorText(page), before, 'typing changes nothing');
  await screenshot(page, 'editor-viewer');
});

test('no uncaught errors in the page', () => {
  assert.deepEqual(pageErrors, []);
});
