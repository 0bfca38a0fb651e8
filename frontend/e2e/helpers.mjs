// @ts-check
/** Browser helpers for the end-to-end scenario: they hide Playwright plumbing, never assertions. */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const BASE_URL = (process.env.VED_E2E_URL ?? '').replace(/\/$/, '');
export const RESULTS_DIR = fileURLToPath(new URL('../test-results/', import.meta.url));
export const CHROMIUM = process.env.VED_E2E_CHROMIUM ?? '/usr/bin/chromium';

export function requireBaseUrl() {
  if (!BASE_URL) {
    throw new Error('Set VED_E2E_URL to the URL of a running code.ved server (e.g. http://127.0.0.1:8000).');
  }
  return BASE_URL;
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** @param {import('playwright-core').Browser} browser */
export async function newPage(browser) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  /** @type {string[]} */
  const errors = [];
  page.on('pageerror', (err) => errors.push(err.message));
  return { context, page, errors };
}

/**
 * @param {import('playwright-core').Page} page
 * @param {string} username
 * @param {string} password
 */
export async function login(page, username, password) {
  await page.goto(`${BASE_URL}/login`);
  await page.fill('input[name=username]', username);
  await page.fill('input[name=password]', password);
  await page.click('button[type=submit]');
  await page.waitForURL(`${BASE_URL}/`);
  await page.waitForSelector(`[data-testid=current-user]:has-text("${username}")`);
}

/** @param {import('playwright-core').Page} page */
export async function logout(page) {
  await page.click('button:has-text("Log out")');
  await page.waitForURL(/\/login/);
}

/**
 * The lines of the editor on screen: the draft's, or an old version's while it is viewed
 * (the draft editor then stays in the page, hidden).
 */
export const VISIBLE_EDITOR_LINES = '.monaco-editor:visible .view-lines';

/** The text of the visible Monaco editor (it renders non-breaking spaces). */
/** @param {import('playwright-core').Page} page */
export async function editorText(page) {
  const text = await page.locator(VISIBLE_EDITOR_LINES).innerText();
  return text.replace(/\u00a0/g, ' ');
}

/**
 * The editor's text once it matches `pattern` (asserted): a newly shown editor, such as a
 * history view, draws its lines a moment after it appears.
 * @param {import('playwright-core').Page} page
 * @param {RegExp} pattern
 */
export async function waitForEditorText(page, pattern) {
  const deadline = Date.now() + 10_000;
  let text = await editorText(page);
  while (!pattern.test(text) && Date.now() < deadline) {
    await page.waitForTimeout(50);
    text = await editorText(page);
  }
  if (!pattern.test(text)) throw new Error(`the editor shows ${JSON.stringify(text)}, not ${pattern}`);
  return text;
}

/**
 * The text one side of a diff editor shows.
 * @param {import('playwright-core').Page} page
 * @param {string} frame the `data-testid` of the frame holding the diff editor
 * @param {'original' | 'modified'} side
 */
export async function diffSideText(page, frame, side) {
  const text = await page.locator(`[data-testid=${frame}] .editor.${side} .view-lines`).innerText();
  return text.replace(/\u00a0/g, ' ');
}

/**
 * Replaces the whole script in Monaco as if pasted.
 * @param {import('playwright-core').Page} page
 * @param {string} text
 */
export async function setEditorText(page, text) {
  await page.click(VISIBLE_EDITOR_LINES);
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText(text);
}

/**
 * Waits until the version badge reads `v{label}`.
 * @param {import('playwright-core').Page} page
 * @param {string} label
 */
export async function waitForVersion(page, label) {
  await page.waitForSelector(`[data-testid=version-badge]:text-is("v${label}")`);
}

/**
 * @param {import('playwright-core').Page} page
 * @param {string} name
 */
export async function screenshot(page, name) {
  await mkdir(RESULTS_DIR, { recursive: true });
  const file = path.join(RESULTS_DIR, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

/** @param {import('playwright-core').Page} page */
export function scriptIdFromUrl(page) {
  const match = /\/editor\/(\d+)/.exec(page.url());
  if (!match) throw new Error(`not on an editor page: ${page.url()}`);
  return Number(match[1]);
}

/**
 * Creates a script from the editor's "new" page with `text` and saves it (version 0.1);
 * the page stays on the new script's editor.
 * @param {import('playwright-core').Page} page
 * @param {string} text
 * @returns {Promise<number>} the new script's id
 */
export async function createScriptInEditor(page, text) {
  await page.goto(`${BASE_URL}/editor/new`);
  await page.waitForSelector('.monaco-editor');
  await setEditorText(page, text);
  await page.click('button:has-text("Save")');
  await page.waitForURL(/\/editor\/\d+$/);
  await waitForVersion(page, '0.1');
  return scriptIdFromUrl(page);
}

/**
 * A browser with one page (its uncaught errors collected) logged in as `username`.
 * @param {string} username
 * @param {string} password
 */
export async function browserLoggedInAs(username, password) {
  requireBaseUrl();
  const browser = await launchBrowser();
  const { page, errors } = await newPage(browser);
  await login(page, username, password);
  return { browser, page, errors };
}
