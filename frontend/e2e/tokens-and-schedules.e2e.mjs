// @ts-check
/**
 * SPEC §17 in a real browser: an editor creates an API token (its secret shown once, with
 * Copy), a program uses it, a per-minute schedule is created and fires for real (no
 * seeding: the test waits for the next minute), is paused and deleted, and the token is
 * revoked. Runs against VED_E2E_URL like the other browser tests.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { BASE_URL, launchBrowser, login, newPage, requireBaseUrl, screenshot } from './helpers.mjs';

const stamp = Date.now().toString(36);
const tokenName = `e2e program ${stamp}`;

/** @type {import('playwright-core').Browser} */
let browser;
/** @type {Awaited<ReturnType<typeof newPage>>} */
let editor;
/** @type {string} */
let secret;
/** @type {number} */
let scriptId;

before(async () => {
  requireBaseUrl();
  browser = await launchBrowser();
  editor = await newPage(browser);
  await editor.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: BASE_URL });
  await login(editor.page, 'ed1', '1editor');
});

after(async () => {
  await browser?.close();
});

/**
 * A request as a program makes it: no cookie, the token in `Authorization`.
 * @param {string} method
 * @param {string} path
 * @param {unknown} [body]
 */
async function asProgram(method, path, body) {
  const response = await fetch(`${BASE_URL}${path}`, {
    method,
    headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

test('an editor creates a token, sees its secret once and copies it', async () => {
  const { page } = editor;
  await page.click('.app-nav a:has-text("API tokens")');
  await page.waitForURL(`${BASE_URL}/tokens`);
  await page.fill('input[name=token-name]', tokenName);
  await page.selectOption('select[name=token-role]', 'editor');
  await page.click('button:has-text("Create token")');
  secret = await page.inputValue('[data-testid=new-token-secret]');
  assert.match(secret, /^ved_[0-9a-f]{64}$/);
  await page.click('[data-testid=new-token] button:has-text("Copy")');
  await page.waitForSelector('[data-testid=new-token] button:has-text("Copied")');
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), secret);
  const row = page.locator(`[data-testid=token-table] tr[data-token="${tokenName}"]`);
  assert.match(await row.innerText(), /editor[\s\S]*never/);
  await screenshot(page, 'token-created');

  await page.click('[data-testid=new-token] button:has-text("Done")');
  await page.reload();
  await page.waitForSelector(`tr[data-token="${tokenName}"]`);
  assert.ok(!(await page.content()).includes(secret), 'the secret is not shown again');
});

test('a program uses the token without a cookie, and the list says it was used', async () => {
  const me = await asProgram('GET', '/api/auth/me');
  assert.deepEqual(me.body, { username: 'ed1', roles: ['viewer', 'editor'] });
  const content = `"""Scheduled echo ${stamp}."""\nimport sys\nprint(open(sys.argv[1]).read())\n`;
  const created = await asProgram('POST', '/api/scripts', { content, test_data: 'saved' });
  assert.equal(created.status, 201);
  scriptId = created.body.id;
  assert.equal((await asProgram('POST', `/api/scripts/${scriptId}/merge`)).status, 200);

  await editor.page.reload();
  const row = editor.page.locator(`tr[data-token="${tokenName}"]`);
  await row.locator('td:nth-child(4):has-text("just now")').waitFor();
});

test('an invalid pattern is refused naming the field; a per-minute schedule is created', async () => {
  const { page } = editor;
  await page.click('.app-nav a:has-text("Schedules")');
  await page.waitForURL(`${BASE_URL}/schedules`);
  await page.fill('input[name=cron]', '61 * * * *');
  await page.selectOption('select[name=target]', String(scriptId));
  await page.click('button:has-text("Create schedule")');
  await page.waitForSelector('[data-testid=schedule-form] .form-error:has-text("minute")');

  await page.selectOption('select[aria-label=Preset]', '* * * * *');
  assert.equal(await page.inputValue('input[name=cron]'), '* * * * *');
  await page.check('text=Use this test data instead');
  await page.fill('textarea[aria-label="Test data"]', `from the schedule ${stamp}`);
  await page.click('button:has-text("Create schedule")');
  await page.waitForSelector('.toast:has-text("created")');
  const row = page.locator('[data-testid=schedule-table] tr', { hasText: `Scheduled echo ${stamp}` });
  assert.match(await row.innerText(), /\* \* \* \* \*[\s\S]*own test data/);
  assert.match(await row.locator('[data-testid=next-run]').innerText(), /^in \d+ (s|min)$/);
  assert.equal(await row.locator('[data-testid=last-run]').innerText(), 'never');
  await screenshot(page, 'schedule-created');
});

test('a viewer sees the schedule but cannot change it', async () => {
  const viewer = await newPage(browser);
  await login(viewer.page, 'mo1', '2viewer');
  await viewer.page.goto(`${BASE_URL}/schedules`);
  const row = viewer.page.locator('[data-testid=schedule-table] tr', { hasText: `Scheduled echo ${stamp}` });
  await row.waitFor();
  assert.equal(await viewer.page.locator('[data-testid=schedule-form]').count(), 0);
  assert.equal(await row.locator('button:has-text("Pause")').count(), 0);
  await viewer.context.close();
});

test('the schedule fires at the next minute and its history shows the run', async () => {
  const { page } = editor;
  const row = page.locator('[data-testid=schedule-table] tr', { hasText: `Scheduled echo ${stamp}` });
  await row.locator('button:has-text("History")').click();
  const history = page.locator('.schedule-history');
  // The next whole minute is at most 60 s away; the run then takes a few seconds.
  const succeeded = history.locator('tr[data-outcome=started] [data-status=succeeded]');
  const deadline = Date.now() + 120_000;
  while ((await succeeded.count()) === 0) {
    assert.ok(Date.now() < deadline, 'no successful firing within 120 s of a per-minute schedule');
    await page.waitForTimeout(2_000);
    await history.locator('button:has-text("Refresh")').click();
  }
  assert.equal(await history.locator('tr[data-outcome]').count(), 1, 'one firing for one due minute');
  // The list catches up by itself: last run and its status, and the next minute.
  await row.locator('[data-testid=last-run] [data-status=succeeded]').waitFor({ timeout: 15_000 });
  assert.match(await row.locator('[data-testid=next-run]').innerText(), /^in \d+ (s|min)$/);
  const last = await asProgram('GET', `/api/execute/${scriptId}/last`);
  assert.equal(last.body.triggered_by.startsWith('schedule:'), true, JSON.stringify(last.body));
  assert.equal(last.body.stdout, `from the schedule ${stamp}\n`);
  await screenshot(page, 'schedule-fired');
});

test('the schedule is paused, then deleted', async () => {
  const { page } = editor;
  const row = page.locator('[data-testid=schedule-table] tr', { hasText: `Scheduled echo ${stamp}` });
  await row.locator('button:has-text("Pause")').click();
  await row.locator('[data-testid=schedule-state]:has-text("paused")').waitFor();
  assert.equal(await row.locator('[data-testid=next-run]').innerText(), '—');
  await row.locator('button:has-text("Delete")').click();
  await page.click('[data-testid=delete-schedule-dialog] button:has-text("Delete")');
  await row.waitFor({ state: 'detached' });
});

test('a revoked token stops working at once', async () => {
  const { page } = editor;
  await page.click('.app-nav a:has-text("API tokens")');
  await page.locator(`tr[data-token="${tokenName}"] button:has-text("Revoke")`).click();
  await page.click('[data-testid=revoke-dialog] button:has-text("Revoke")');
  await page.locator(`tr[data-token="${tokenName}"]`).waitFor({ state: 'detached' });
  assert.equal((await asProgram('GET', '/api/scripts')).status, 401);
});
