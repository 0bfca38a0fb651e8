// @ts-check
/**
 * Live output of a run (SPEC §12) and versions you can compare, restore and describe
 * (SPEC §16), in a real browser against VED_E2E_URL.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  BASE_URL,
  browserLoggedInAs,
  createScriptInEditor,
  diffSideText,
  screenshot,
  setEditorText,
  waitForEditorText,
  waitForVersion,
} from './helpers.mjs';

const stamp = Date.now().toString(36);
/** Prints a line, sleeps (2 s, or as many seconds as its test data says), prints another. */
const SLOW = `"""Slow printer ${stamp}."""
import sys
import time

print("first line")
time.sleep(float(open(sys.argv[1]).read().strip() or 2))
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
/** @type {number} */
let versionsId;

const saying = (/** @type {string} */ word) => `"""Versions check ${stamp}."""
print("${word}")
`;

before(async () => {
  ({ browser, page, errors: pageErrors } = await browserLoggedInAs('ed1', '1editor'));
});

after(async () => {
  await browser?.close();
});

/**
 * A script as the server has it, through the page's own session.
 * @param {string} [path] after `/api/scripts/{id}`
 */
async function scriptApi(path = '') {
  const answer = await page.request.get(`${BASE_URL}/api/scripts/${versionsId}${path}`);
  assert.equal(answer.status(), 200);
  return answer.json();
}

/** @param {'original' | 'modified'} side */
const diffSide = (side) => diffSideText(page, 'diff-frame', side);

/** The text of the output panel's status badge. */
async function runStatus() {
  return (await page.locator('[data-testid=output-panel] [data-testid=run-status]').innerText()).trim();
}

test('a run streams: the first line shows while it still runs, then the second and Success', async () => {
  slowId = await createScriptInEditor(page, SLOW);

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
  // Long enough to still run once the page has loaded again.
  await page.click('[role=tab]:has-text("Test data")');
  await page.fill('[data-testid=test-data]', '8');
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

test('an editor saves with a message (Ctrl+S saves without one); the history shows it', async () => {
  versionsId = await createScriptInEditor(page, saying('one'));
  await page.click('button:has-text("Merge to prod")');
  await page.click('[data-testid=merge-dialog] button:has-text("Merge v0.1 to prod")');
  await page.waitForSelector('[data-testid=prod-badge]:has-text("prod v0.1")');

  await setEditorText(page, saying('two'));
  await page.fill('[data-testid=save-message]', 'Say two instead of one');
  await page.click('button:has-text("Save")');
  await waitForVersion(page, '0.2');
  assert.equal(await page.inputValue('[data-testid=save-message]'), '', 'the box is empty for the next save');

  await setEditorText(page, saying('three'));
  await page.keyboard.press('ControlOrMeta+S');
  await waitForVersion(page, '0.3');

  const versions = await scriptApi('/versions');
  assert.deepEqual(
    versions.map((/** @type {{label: string, message?: string | null}} */ v) => [v.label, v.message ?? null]),
    [
      ['0.3', null],
      ['0.2', 'Say two instead of one'],
      ['0.1', null],
    ],
  );

  await page.click('[data-testid=version-badge]');
  const history = page.locator('[data-testid=version-history]');
  await history.locator('[data-version="0.2"] [data-testid=version-message]').waitFor();
  assert.equal(await history.locator('[data-version="0.2"] [data-testid=version-message]').innerText(), 'Say two instead of one');
  assert.equal(await history.locator('[data-version="0.3"] [data-testid=version-message]').count(), 0);
});

test('"Compare with prod" shows the change in the diff editor, side by side or inline', async () => {
  await page.click('[data-testid=version-history] [data-version="0.2"]');
  await page.waitForSelector('[data-testid=viewing-banner]:has-text("v0.2")');
  await waitForEditorText(page, /print\("two"\)/);
  await page.click('[data-testid=viewing-banner] button:has-text("Compare with prod")');
  await page.waitForSelector('[data-testid=compare-banner]');
  assert.equal(await page.textContent('[data-testid=compare-original]'), 'v0.1 (prod)');
  assert.equal(await page.textContent('[data-testid=compare-modified]'), 'v0.2');

  await page.waitForSelector('[data-testid=diff-frame] .monaco-diff-editor.side-by-side');
  // The diff is computed in a worker: wait for the changed line to be marked on both sides.
  await page.waitForSelector('[data-testid=diff-frame] .editor.modified :is(.char-insert, .line-insert)');
  await page.waitForSelector('[data-testid=diff-frame] .editor.original :is(.char-delete, .line-delete)');
  assert.match(await diffSide('original'), /print\("one"\)/);
  assert.match(await diffSide('modified'), /print\("two"\)/);
  assert.doesNotMatch(await diffSide('modified'), /print\("one"\)/);
  await screenshot(page, 'compare-side-by-side');

  await page.check('[data-testid=compare-banner] input[aria-label="Inline diff"]');
  await page.waitForSelector('[data-testid=diff-frame] .monaco-diff-editor:not(.side-by-side)');
  await screenshot(page, 'compare-inline');

  await page.click('[data-testid=compare-banner] button:has-text("Close comparison")');
  await page.waitForSelector('[data-testid=viewing-banner]:has-text("v0.2")');
  await page.click('[data-testid=viewing-banner] button:has-text("Back to latest")');
  await page.waitForSelector('[data-testid=viewing-banner]', { state: 'detached' });
  await page.click('button[aria-label="Close history"]');
});

test('the catalog marks a script that differs from prod and opens its diff; Save then still writes the draft', async () => {
  await page.goto(`${BASE_URL}/`);
  const row = page.locator(`tr[data-script-id="${versionsId}"]`);
  assert.equal(await row.locator('.version-prod').innerText(), 'v0.1');
  await row.locator('[data-testid=prod-diff]').click();
  await page.waitForURL(new RegExp(`/editor/${versionsId}\\?compare=prod$`));
  await page.waitForSelector('[data-testid=compare-banner]');
  assert.equal(await page.textContent('[data-testid=compare-original]'), 'v0.1 (prod)');
  assert.equal(await page.textContent('[data-testid=compare-modified]'), 'v0.3 (latest)');
  await page.waitForSelector('[data-testid=diff-frame] .editor.modified :is(.char-insert, .line-insert)');
  assert.match(await diffSide('modified'), /print\("three"\)/);

  await page.click('[data-testid=compare-banner] button:has-text("Close comparison")');
  await page.waitForSelector('[data-testid=diff-frame]', { state: 'detached' });
  await waitForEditorText(page, /print\("three"\)/);
  await setEditorText(page, saying('four'));
  const shown = await waitForEditorText(page, /print\("four"\)/);
  await page.click('button:has-text("Save")');
  await waitForVersion(page, '0.4');
  assert.equal((await scriptApi()).content.trim(), shown.trim(), 'the saved content is what the editor showed');
});

test('"Restore this version" on an older version makes it the latest, in the editor and on the server', async () => {
  await page.click('[data-testid=version-badge]');
  await page.click('[data-testid=version-history] [data-version="0.2"]');
  await page.waitForSelector('[data-testid=viewing-banner]:has-text("v0.2")');
  await page.click('[data-testid=viewing-banner] button:has-text("Restore this version")');
  await page.waitForSelector('[data-testid=restore-dialog]');
  await page.click('[data-testid=restore-dialog] button:has-text("Restore v0.2")');
  await waitForVersion(page, '0.5');
  await page.waitForSelector('[data-testid=viewing-banner]', { state: 'detached' });
  await waitForEditorText(page, /print\("two"\)/);
  assert.equal(await page.locator('[data-testid=unsaved]').count(), 0);

  const latest = await scriptApi();
  assert.equal(latest.version.label, '0.5');
  assert.equal(latest.content, saying('two'));
  assert.equal(latest.version.message, 'restore v0.2');
  await page.waitForSelector('[data-testid=version-history] [data-version="0.5"] [data-testid=version-message]:has-text("restore v0.2")');
  await page.click('button[aria-label="Close history"]');
});

test('"Merge to prod" shows the diff against prod and merges only once confirmed', async () => {
  await page.click('button:has-text("Merge to prod")');
  await page.waitForSelector('[data-testid=merge-dialog] [data-testid=merge-diff]');
  const diff = (await page.textContent('[data-testid=merge-diff]')) ?? '';
  assert.match(diff, /^-print\("one"\)$/m);
  assert.match(diff, /^\+print\("two"\)$/m);
  await screenshot(page, 'merge-confirm');

  await page.click('[data-testid=merge-dialog] button:has-text("Cancel")');
  await page.waitForSelector('[data-testid=merge-dialog]', { state: 'detached' });
  assert.equal((await scriptApi()).prod_version.label, '0.1', 'cancel merges nothing');

  await page.click('button:has-text("Merge to prod")');
  await page.waitForSelector('[data-testid=merge-dialog] [data-testid=merge-diff]');
  await page.click('[data-testid=merge-dialog] button:has-text("Merge v0.5 to prod")');
  await page.waitForSelector('[data-testid=prod-badge]:has-text("prod v0.5")');
  assert.equal((await scriptApi()).prod_version.label, '0.5');

  await page.goto(`${BASE_URL}/`);
  const row = page.locator(`tr[data-script-id="${versionsId}"]`);
  await row.waitFor();
  assert.equal(await row.locator('[data-testid=prod-diff]').count(), 0, 'no marker once the latest is on prod');
});

test("run all follows the batch's event stream: groups in order, each group's results by ordering number", async () => {
  /** @type {string[]} */
  const batchRequests = [];
  /** @param {import('playwright-core').Request} request */
  const onRequest = (request) => {
    const { pathname } = new URL(request.url());
    if (pathname.startsWith('/api/batches/')) batchRequests.push(pathname);
  };
  page.on('request', onRequest);
  await page.goto(`${BASE_URL}/`);
  // The panel may show an earlier batch: this one is known by its id.
  const [started] = await Promise.all([
    page.waitForResponse((r) => new URL(r.url()).pathname === '/api/execute/all' && r.request().method() === 'POST'),
    page.click('button:has-text("Run all")'),
  ]);
  assert.equal(started.status(), 202);
  const batchId = (await started.json()).batch_id;
  await page.waitForSelector(`[data-testid=run-all-panel] h2:has-text("Last run-all"):has-text("batch #${batchId}")`, {
    timeout: 120_000,
  });
  page.off('request', onRequest);

  assert.deepEqual(
    batchRequests.filter((p) => /^\/api\/batches\/\d+\/events$/.test(p)),
    [`/api/batches/${batchId}/events`],
    'one event stream, of this batch',
  );
  assert.deepEqual(batchRequests.filter((p) => /^\/api\/batches\/\d+$/.test(p)), [], 'no polling');

  const groups = await page.$$eval('[data-testid=run-all-panel] .run-group', (items) =>
    items.map((item) => ({
      group: Number(item.getAttribute('data-group')),
      status: item.getAttribute('data-group-status'),
      orderings: [...item.querySelectorAll('.run-item .mono')].map((e) => Number(e.textContent)),
    })),
  );
  assert.ok(groups.length > 0);
  assert.deepEqual(
    groups.map((g) => g.group),
    [...groups.map((g) => g.group)].sort((a, b) => a - b),
    'groups in ascending order',
  );
  for (const g of groups) {
    assert.ok(g.status === 'succeeded' || g.status === 'failed', `group ${g.group} ended as the stream said: ${g.status}`);
    assert.deepEqual(g.orderings, [...g.orderings].sort((a, b) => a - b), `group ${g.group} by ordering number`);
  }
  const row = page.locator(`tr[data-script-id="${versionsId}"]`);
  await row.locator('.badge-success').waitFor();
});

test('no uncaught errors in the page', () => {
  assert.deepEqual(pageErrors, []);
});
