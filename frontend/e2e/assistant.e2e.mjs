// @ts-check
/* global window, document, MutationObserver -- used inside page.evaluate, which runs in the browser */
/**
 * The assistant (SPEC §13) in a real browser against VED_E2E_URL: an answer's tokens show as
 * they stream; a failing script goes through "Fix with assistant" — its rounds, their runs,
 * the total cost, the result in the diff editor — and Accept puts the fix in the editor as an
 * unsaved change that Save then saves. The server's LLM is the tests' fake upstream, whose
 * answer is `print("hello from the fake LLM")` in a python block, streamed in pieces.
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
/** Fails on purpose: a name that is not defined. */
const BROKEN = `"""Assistant check ${stamp}."""
print(undefined_name)
`;
const FIXED_LINE = 'print("hello from the fake LLM")';

/** @type {import('playwright-core').Browser} */
let browser;
/** @type {import('playwright-core').Page} */
let page;
/** @type {string[]} */
let pageErrors = [];
/** @type {number} */
let scriptId;

before(async () => {
  ({ browser, page, errors: pageErrors } = await browserLoggedInAs('ed1', '1editor'));
});

after(async () => {
  await browser?.close();
});

/** @param {'original' | 'modified'} side */
const diffSide = (side) => diffSideText(page, 'fix-diff-frame', side);

test('an answer streams into the panel: its text grows while it is still arriving, then model and cost show', async () => {
  scriptId = await createScriptInEditor(page, BROKEN);

  // Every text the answer shows while the exchange is still pending, as the page renders it.
  await page.evaluate(() => {
    const seen = /** @type {string[]} */ ([]);
    Object.assign(window, { __answerTexts: seen });
    new MutationObserver(() => {
      const pending = document.querySelector('[data-testid=llm-exchange][data-pending=true] [data-testid=llm-answer]');
      const text = pending?.textContent ?? '';
      if (text && seen.at(-1) !== text) seen.push(text);
    }).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
  });
  await page.fill('textarea[aria-label=Prompt]', 'Why does this fail?');
  await page.click('button:has-text("Ask")');
  await page.waitForSelector('[data-testid=llm-stop]');
  await page.waitForSelector('[data-testid=llm-exchange][data-pending=false] [data-testid=llm-model]', { timeout: 60_000 });

  const seen = /** @type {string[]} */ (await page.evaluate(() => /** @type {any} */ (window).__answerTexts));
  const final = await page.locator('[data-testid=llm-answer]').first().innerText();
  assert.ok(seen.length >= 2, `the answer grew in steps while streaming (saw ${JSON.stringify(seen)})`);
  assert.ok(seen[0] && seen[0].length < (seen.at(-1) ?? '').length, 'later steps hold more text');
  assert.match(final, /hello from the fake LLM/);
  assert.match((await page.textContent('[data-testid=llm-cost]')) ?? '', /cost \$/);
  assert.equal(await page.locator('[data-testid=llm-stop]').count(), 0, 'Stop goes once the answer is whole');
  assert.equal(await page.locator('[data-testid=llm-insert]').count(), 1, 'the whole answer offers its code');
});

test('Stop ends an answer still streaming: what arrived stays, and the server logs the call as cancelled', async () => {
  const prompt = `Explain this script, please (${stamp})`;
  await page.fill('textarea[aria-label=Prompt]', prompt);
  await page.click('button:has-text("Ask")');
  await page.waitForSelector('[data-testid=llm-exchange][data-pending=true] [data-testid=llm-answer]');
  await page.click('[data-testid=llm-stop]');

  const exchange = page.locator('[data-testid=llm-exchange]').last();
  await exchange.locator('[data-testid=llm-stopped]').waitFor();
  assert.ok((await exchange.locator('[data-testid=llm-answer]').innerText()).trim(), 'what arrived is still shown');
  assert.equal(await exchange.locator('[data-testid=llm-cost]').count(), 0, 'a stopped answer has no result');
  assert.equal(await exchange.locator('[data-testid=llm-insert]').count(), 0, 'half an answer offers no code');

  // The server saw the request go away: it closed the upstream call and logged it so.
  const deadline = Date.now() + 10_000;
  let row;
  while (Date.now() < deadline) {
    const log = await (await page.request.get(`${BASE_URL}/api/llm/interactions`)).json();
    row = log.interactions.find((/** @type {{prompt: string}} */ i) => i.prompt === prompt);
    if (row) break;
    await page.waitForTimeout(100);
  }
  assert.ok(row, 'the stopped call is in the log');
  assert.equal(row.status, 'error');
  assert.match(row.error ?? '', /Cancelled/);
});

test('a failing run → Fix with assistant: the round, its run and the cost show, then the diff', async () => {
  await page.click('button:has-text("Run draft")');
  await page.waitForSelector('[data-testid=execution-meta]', { timeout: 90_000 });
  await page.waitForSelector('[data-testid=output-panel] [data-testid=stderr]:has-text("NameError")');

  await page.click('[data-testid=fix-with-assistant]');
  const panel = page.locator('[data-testid=fix-panel]');
  await panel.waitFor();
  const round = panel.locator('[data-testid=fix-round][data-round="1"]');
  await round.waitFor();
  await panel.locator('[data-testid=fix-outcome]').waitFor({ timeout: 90_000 });

  assert.equal(await panel.locator('[data-testid=fix-outcome]').getAttribute('data-stop-reason'), 'succeeded');
  assert.match(await panel.locator('[data-testid=fix-outcome]').innerText(), /Fixed in 1 round/);
  assert.equal(await round.getAttribute('data-status'), 'succeeded');
  assert.equal((await round.locator('[data-testid=fix-exit-code]').innerText()).trim(), '0');
  assert.match(await round.locator('[data-testid=stdout]').innerText(), /hello from the fake LLM/);
  // The model's answer is collapsed to the code it gave.
  assert.equal((await round.locator('[data-testid=fix-code]').textContent())?.trim(), FIXED_LINE);
  assert.match(await panel.locator('[data-testid=fix-cost]').innerText(), /Total cost of the loop: \$\d/);

  // The result, against what the editor holds, in the diff editor; nothing saved yet.
  await page.waitForSelector('[data-testid=fix-review-banner]');
  await page.waitForSelector('[data-testid=fix-diff-frame] .editor.modified .view-lines:has-text("hello from the fake LLM")');
  assert.match(await diffSide('original'), /print\(undefined_name\)/);
  assert.match(await diffSide('modified'), /print\("hello from the fake LLM"\)/);
  assert.doesNotMatch(await diffSide('modified'), /undefined_name/);
  assert.equal(await page.locator('[data-testid=unsaved]').count(), 0, 'the editor is unchanged while under review');
  await screenshot(page, 'assistant-fix-review');
});

test('Accept puts the fix in the editor unsaved; Save saves it as the next version', async () => {
  await page.click('[data-testid=fix-accept]');
  await page.waitForSelector('[data-testid=fix-review-banner]', { state: 'detached' });
  await waitForEditorText(page, /hello from the fake LLM/);
  await page.waitForSelector('[data-testid=unsaved]');
  await waitForVersion(page, '0.1');
  const before = await page.request.get(`${BASE_URL}/api/scripts/${scriptId}`);
  assert.match((await before.json()).content, /undefined_name/, 'the loop saved nothing');
  await page.waitForSelector('[data-testid=fix-decision]:has-text("Accepted")');

  await page.click('button:has-text("Save")');
  await waitForVersion(page, '0.2');
  const saved = await page.request.get(`${BASE_URL}/api/scripts/${scriptId}`);
  assert.equal(saved.status(), 200);
  assert.equal((await saved.json()).content.trim(), FIXED_LINE);
  assert.equal(await page.locator('[data-testid=unsaved]').count(), 0);
});

test('a fix from the panel whose result is discarded leaves the editor as it was', async () => {
  await page.click('[data-testid=fix-panel] button:has-text("Back to the conversation")');
  await setEditorText(page, BROKEN);
  await page.click('[data-testid=llm-fix]');
  await page.waitForSelector('[data-testid=fix-review-banner]', { timeout: 90_000 });
  await page.click('[data-testid=fix-discard]');
  await page.waitForSelector('[data-testid=fix-diff-frame]', { state: 'detached' });
  await waitForEditorText(page, /print\(undefined_name\)/);
  await page.waitForSelector('[data-testid=fix-decision]:has-text("Discarded")');
});

test('Stop ends a fix while the model is still answering: it says so, and nothing is offered', async () => {
  await page.click('[data-testid=fix-panel] button:has-text("Back to the conversation")');
  await page.click('[data-testid=llm-fix]');
  const panel = page.locator('[data-testid=fix-panel]');
  await panel.locator('[data-testid=fix-round][data-round="1"] [data-testid=fix-answer]').waitFor();
  await panel.locator('[data-testid=fix-stop]').click();

  const outcome = panel.locator('[data-testid=fix-outcome]');
  await outcome.waitFor();
  assert.equal(await outcome.getAttribute('data-stop-reason'), 'stopped');
  assert.equal((await outcome.innerText()).trim(), 'Stopped by you during round 1.');
  assert.equal(await panel.locator('[data-testid=fix-review]').count(), 0, 'no round produced code to review');
  assert.equal(await page.locator('[data-testid=fix-diff-frame]').count(), 0);
  await waitForEditorText(page, /print\(undefined_name\)/);
  assert.deepEqual(pageErrors, []);
});
