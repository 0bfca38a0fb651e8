// @ts-check
/**
 * Per-script packages (SPEC §15) in a real browser against VED_E2E_URL: a script whose
 * `# /// script` block asks for tabulate shows the resolved packages above the editor and
 * runs with them; a package that does not exist shows uv's error there instead.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  browserLoggedInAs,
  createScriptInEditor,
  screenshot,
  setEditorText,
  waitForVersion,
} from './helpers.mjs';

const stamp = Date.now().toString(36);
const TABLE = `# /// script
# dependencies = ["tabulate==0.9.0"]
# ///
"""Packages check ${stamp}."""
from tabulate import tabulate

print(tabulate([["ok", 1]], tablefmt="plain"))
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

test('the resolved packages show next to the script, which runs with them; a missing one shows uv\'s error', async () => {
  await createScriptInEditor(page, TABLE);

  const packages = page.locator('[data-testid=packages]');
  await packages.waitFor();
  assert.match(await packages.innerText(), /Packages\s+tabulate 0\.9\.0/);

  await page.click('button:has-text("Run draft")');
  await page.waitForSelector('[data-testid=execution-meta]', { timeout: 90_000 });
  const panel = page.locator('[data-testid=output-panel]');
  const status = (await panel.locator('[data-testid=run-status]').innerText()).trim();
  if (status !== 'Success') assert.fail(`the run ended ${status}: ${await panel.innerText()}`);
  assert.match(await panel.innerText(), /ok\s+1/);

  await setEditorText(page, TABLE.replace('tabulate==0.9.0', `ved-missing-${stamp}`));
  await page.click('button:has-text("Save")');
  await waitForVersion(page, '0.2');
  const failed = page.locator('[data-testid=packages].banner-packages-failed');
  await failed.waitFor();
  assert.match(await failed.innerText(), new RegExp(`ved-missing-${stamp}`));
  await screenshot(page, 'packages');
  assert.deepEqual(pageErrors, []);
});
