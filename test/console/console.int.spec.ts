/**
 * The admin console in a real browser (headless Debian Chromium) against a real keyledger process:
 * one browser, one server, steps in order. Every step fails on a console error, a failed request or an
 * HTTP error it did not expect. CONSOLE_SCREENSHOTS=1 also writes the README's screenshots to docs/.
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { chromiumMissing, openBrowser, type Browser } from './browser';
import { startConsoleServer, type ConsoleServer } from './server';
import { waitFor } from '../support/wait';

jest.setTimeout(60_000);
const SCREENSHOTS = process.env.CONSOLE_SCREENSHOTS === '1';
const DOCS = join(__dirname, '..', '..', 'docs');

let server: ConsoleServer;
let browser: Browser;
let page: Page;
const keys: Record<string, string> = {};
const times: Record<string, string> = {};

beforeAll(async () => {
  if (chromiumMissing) throw new Error(`browser tests need Chromium: ${chromiumMissing}`);
  server = await startConsoleServer();
  browser = await openBrowser();
  page = browser.page;
  page.setDefaultTimeout(5_000);
});
afterAll(async () => {
  await browser?.close();
  await server?.stop();
});
afterEach(() => {
  expect(browser.takeProblems()).toEqual([]);
});

const verify = async (key: string) => (await server.call('POST', '/api/apikey/verify', { key })).body;
const rows = () => page.locator('table tbody tr');
const screenshot = async (name: string, fullPage = false) => {
  if (SCREENSHOTS) await page.screenshot({ path: join(DOCS, `console-${name}.png`), fullPage });
};
/** A fresh load of a console route (the admin key stays in this tab's sessionStorage). */
const open = async (route: string) => {
  await page.goto('about:blank');
  await page.goto(`${server.base}/console${route}`);
};
// Code run in the page is given as text: this project's TypeScript has no DOM types.
const noHorizontalScroll = () => page.evaluate<boolean>('document.documentElement.scrollWidth <= innerWidth');
const sessionEntries = () => page.evaluate<number>('sessionStorage.length');
/** Waits until the texts of the rows of a table (a CSS selector) pass the test. */
async function rowsUntil(table: string, test: (rows: string[]) => boolean, what: string): Promise<void> {
  let rows: string[] = [];
  await waitFor(
    async () => test((rows = await page.locator(`${table} tbody tr`).allTextContents())),
    what,
    5_000,
  ).catch((error: Error) => {
    throw new Error(`${error.message}; rows: ${JSON.stringify(rows)}`);
  });
}

describe('the admin console', () => {
  it('is served by the service with a strict CSP, and asks for an admin key', async () => {
    const response = await page.goto(`${server.base}/console`);
    expect(response?.status()).toBe(200);
    expect(response?.headers()['content-security-policy']).toMatch(/^default-src 'self'/);
    await expect(page.getByRole('heading', { name: 'Sign in' }).isVisible()).resolves.toBe(true);
    await expect(page.locator('#version').textContent()).resolves.toMatch(/^v\d+\.\d+\.\d+/);
    await page.locator('#readiness', { hasText: 'ready' }).waitFor();
    const html = await (await fetch(`${server.base}/console`)).text();
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)/); // no inline script
    expect(html).not.toMatch(/https?:\/\//); // nothing from another origin
  });

  it('refuses a bad key with the server message, then signs in with the admin key (keyboard only)', async () => {
    browser.allow(/\/api\/apikey\?limit=1$/, 401);
    await page.getByLabel('Admin key').fill('ak_not_a_real_key');
    await page.keyboard.press('Enter');
    await expect(page.getByRole('alert').textContent()).resolves.toContain('invalid API key');
    expect(browser.allowedSeen()).toEqual(['401 /api/apikey?limit=1']);

    await page.getByLabel('Admin key').fill(server.adminKey);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Keys' }).waitFor();
    await rows().filter({ hasText: 'root' }).waitFor();
    const storage = await page.evaluate(
      '({ session: Object.values(sessionStorage), local: localStorage.length, cookie: document.cookie, url: location.href })',
    );
    expect(storage).toEqual({
      session: [server.adminKey],
      local: 0,
      cookie: '',
      url: expect.not.stringContaining('ak_'),
    });
    // Keyboard focus is visible.
    await page.keyboard.press('Tab');
    const outline = await page.evaluate('getComputedStyle(document.activeElement).outlineStyle');
    expect(outline).toBe('solid');
  });

  it("creates a key, showing the API's message next to the field, and the new key once, which verifies", async () => {
    await page.getByRole('button', { name: 'New key' }).click();
    const form = page.getByRole('dialog', { name: 'New key' });
    await form.waitFor();
    await page.keyboard.press('Escape');
    await form.waitFor({ state: 'detached' });
    await page.getByRole('button', { name: 'New key' }).click();
    browser.allow(/\/api\/apikey$/, 400);
    await form.getByRole('button', { name: 'Create key' }).click();
    await expect(form.locator('#create-alias-error').textContent()).resolves.toBe('alias is required');
    await expect(form.getByLabel('Alias').getAttribute('aria-invalid')).resolves.toBe('true');
    expect(browser.allowedSeen()).toEqual(['400 /api/apikey']);

    await form.getByLabel('Alias').fill('billing');
    await form.getByLabel('Name').fill('Billing service');
    await form.getByRole('checkbox', { name: 'user' }).check();
    await form.getByLabel('Owner').fill('team-billing');
    await form.getByRole('button', { name: 'Create key' }).click();
    const dialog = page.getByRole('dialog', { name: 'Key billing created' });
    await dialog.waitFor();
    await expect(dialog.getByRole('alert').textContent()).resolves.toContain('shown only this once');
    keys['first'] = await dialog.getByLabel('API key for billing').inputValue();
    await expect(verify(keys['first']!)).resolves.toMatchObject({ valid: true, code: 'VALID', alias: 'billing' });
    await dialog.getByRole('button', { name: 'Copy' }).click();
    await dialog.getByRole('status').filter({ hasText: /\S/ }).waitFor();
    await dialog.getByRole('button', { name: 'I have stored the key' }).click();
    await page.getByRole('heading', { name: 'Key billing' }).waitFor();
    expect(await page.locator('body').textContent()).not.toContain(keys['first']);
  });

  it('searches and filters the list, and pages through it with the Link header', async () => {
    for (let i = 0; i < 30; i++)
      expect(
        (
          await server.call('POST', '/api/apikey', {
            alias: `svc-${i}`,
            name: `Service ${i}`,
            roles: [i % 3 ? 'user' : 'agent'],
            owner: i % 2 ? 'team-payments' : 'team-search',
            ttl_seconds: 5 * 3600 * (i + 1),
          })
        ).status,
      ).toBe(201);
    await open('#/keys');
    await page.getByRole('button', { name: 'Next page' }).waitFor();
    await rows().first().waitFor();
    expect(await rows().count()).toBe(25);
    await page.getByRole('button', { name: 'Next page' }).click();
    await rowsUntil('table', (r) => r.length === 32 - 25, 'the second page');

    // Each filter below answers other rows than the one before, so that a wait cannot pass on stale rows.
    await page.getByLabel('Search alias or name').fill('SVC-1');
    await page.getByRole('button', { name: 'Search' }).click();
    await rowsUntil('table', (r) => r.length === 11 && r.every((row) => row.startsWith('svc-1')), 'q=SVC-1');
    await page.getByLabel('Search alias or name').fill('');
    await page.getByLabel('Owner').fill('team-billing');
    await page.getByRole('button', { name: 'Search' }).click();
    await rowsUntil('table', (r) => r.length === 1 && r[0]!.includes('team-billing'), 'owner=team-billing');
    await page.getByLabel('Owner').fill('');
    await page.getByLabel('Role').selectOption('admin');
    await rowsUntil('table', (r) => r.length === 1 && r[0]!.startsWith('root'), 'role=admin');
    await page.getByLabel('Role').selectOption('');
    await page.getByLabel('Search alias or name').fill('BILL');
    await page.getByRole('button', { name: 'Search' }).click();
    await rowsUntil('table', (r) => r.length === 1 && r[0]!.startsWith('billing'), 'q=BILL');
  });

  it('renews: same key string, the form prefilled, the new name kept', async () => {
    await open('#/keys/billing');
    await page.getByRole('button', { name: 'Renew' }).click();
    const renew = page.getByRole('dialog', { name: 'Renew billing' });
    await expect(renew.getByLabel('Owner').inputValue()).resolves.toBe('team-billing');
    await renew.getByLabel('Name').fill('Billing service v2');
    await renew.getByRole('button', { name: 'Renew key' }).click();
    await page.getByRole('status').filter({ hasText: 'Renewed' }).waitFor();
    await page.locator('.summary dd', { hasText: 'Billing service v2' }).waitFor();
    await expect(verify(keys['first']!)).resolves.toMatchObject({ valid: true, name: 'Billing service v2' });
  });

  it('rotates with a grace period: the new key is shown once, and both strings verify during the grace', async () => {
    await open('#/keys/billing');
    await page.getByRole('button', { name: 'Rotate' }).click();
    const rotate = page.getByRole('dialog', { name: 'Rotate billing' });
    await rotate.getByLabel('Grace period for the previous key').fill('2');
    await rotate.getByLabel('Unit of the grace period').selectOption('hours');
    await rotate.getByRole('button', { name: 'Rotate key' }).click();
    const shown = page.getByRole('dialog', { name: 'New key for billing' });
    await shown.waitFor();
    await expect(shown.textContent()).resolves.toContain('The previous key keeps working until');
    keys['second'] = await shown.getByLabel('API key for billing').inputValue();
    expect(keys['second']).not.toBe(keys['first']);
    await expect(verify(keys['second']!)).resolves.toMatchObject({ valid: true, alias: 'billing' });
    await expect(verify(keys['first']!)).resolves.toMatchObject({ valid: true, alias: 'billing' });
    await shown.getByRole('button', { name: 'I have stored the key' }).click();
  });

  it('revokes after a confirmation naming the alias: both strings stop', async () => {
    await open('#/keys/billing');
    await page.getByRole('button', { name: 'Revoke' }).click();
    const confirm = page.getByRole('dialog', { name: 'Revoke billing?' });
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    await expect(verify(keys['second']!)).resolves.toMatchObject({ valid: true });
    await page.getByRole('button', { name: 'Revoke' }).click();
    await confirm.getByRole('button', { name: 'Revoke billing' }).click();
    await page.locator('.summary .badge', { hasText: 'revoked' }).waitFor();
    await expect(verify(keys['second']!)).resolves.toMatchObject({ valid: false });
    await expect(verify(keys['first']!)).resolves.toMatchObject({ valid: false });
  });

  it('shows the history as a timeline, and the key as of an instant before the revocation', async () => {
    await open('#/keys/billing');
    const items = page.locator('ol.timeline > li');
    await waitFor(async () => (await items.count()) === 4, 'four events in the timeline', 5_000);
    const texts = await items.allTextContents();
    expect(texts[0]).toMatch(/^Created/);
    expect(texts[1]).toMatch(/^Renewed/);
    expect(texts[3]).toMatch(/^Revoked/);
    for (const text of texts) expect(text).toMatch(/by root · request \S+/);
    times['revoked'] = (await items.nth(3).locator('time').first().getAttribute('datetime'))!;

    const before = new Date(Date.parse(times['revoked']) - 1).toISOString().slice(0, 23);
    await page.getByLabel('Show the key as it was at (your local time)').fill(before);
    const result = page.locator('#as-of-result');
    await result.locator('.badge', { hasText: 'active' }).waitFor();
    await expect(result.textContent()).resolves.toContain('team-billing');

    await items.nth(0).getByRole('button', { name: 'Show the key as of this change' }).click();
    await result.locator('.badge', { hasText: 'active' }).waitFor();
    await page.getByRole('button', { name: 'Now' }).click();
    await result.locator('.badge', { hasText: 'revoked' }).waitFor();
    await items.nth(2).getByRole('button', { name: 'Show the key as of this change' }).click();
    await result.locator('.badge', { hasText: 'active' }).waitFor();
    await screenshot('history', true);
  });

  it('filters and pages the audit feed, and lists the keys expiring soon', async () => {
    await open('#/keys');
    await page.getByRole('link', { name: 'Audit' }).click();
    await page.locator('#audit-feed').waitFor();
    await page.getByLabel('Alias', { exact: true }).fill('billing');
    await page.getByLabel('Event type').selectOption('ApiKeyRevoked');
    await page.getByRole('button', { name: 'Apply' }).click();
    await rowsUntil('#audit-feed', (r) => r.length === 1 && /ApiKeyRevoked.*billing.*root/.test(r[0]!), 'revoked');

    await page.getByLabel('Event type').selectOption('');
    await page.getByLabel('Until (local time)').fill(times['revoked']!.slice(0, 23));
    await page.getByRole('button', { name: 'Apply' }).click();
    await rowsUntil('#audit-feed', (r) => r.length === 3 && !r.some((row) => row.includes('Revoked')), 'until');

    await page.getByLabel('Alias', { exact: true }).fill('');
    await page.getByLabel('Until (local time)').fill('');
    await page.getByLabel('Actor').fill('root');
    await page.getByLabel('Per page').selectOption('10');
    await page.getByRole('button', { name: 'Apply' }).click();
    await rowsUntil('#audit-feed', (r) => r.length === 10, 'ten rows');
    const first = await rows().allTextContents();
    await page.getByRole('button', { name: 'Older' }).click();
    await rowsUntil('#audit-feed', (r) => r.length === 10 && r[0] !== first[0], 'the next ten');
    const second = await rows().allTextContents();
    expect(second.filter((row) => first.includes(row))).toEqual([]);
    for (const row of [...first, ...second]) expect(row).toContain('root');
    await page.getByRole('button', { name: 'Newer' }).click();
    await rowsUntil('#audit-feed', (r) => r[0] === first[0], 'the first ten again');

    await page.getByLabel('Expiring within').selectOption('720');
    const expiring = page.locator('#expiring-list');
    await expiring.getByRole('link', { name: 'root' }).waitFor();
    await expect(expiring.textContent()).resolves.not.toContain('billing');
    await page.getByLabel('Actor').fill('');
    await page.getByLabel('Per page').selectOption('50');
    await page.getByRole('button', { name: 'Apply' }).click();
    await rowsUntil('#audit-feed', (r) => r.length > 10, 'more than ten');

    await page.getByLabel('Alias', { exact: true }).fill('billing');
    await page.getByRole('button', { name: 'Apply' }).click();
    await rowsUntil('#audit-feed', (r) => r.length === 4, "billing's four events");
    await page.getByLabel('Expiring within').selectOption('24');
    const soonest = ['svc-0', 'svc-1', 'svc-2', 'svc-3'];
    await waitFor(async () => `${await expiring.getByRole('link').allTextContents()}` === `${soonest}`, '24 h', 5_000);
    await screenshot('audit', true);
  });

  it('is usable at 390 px wide', async () => {
    await open('#/keys');
    await rows().first().waitFor();
    await screenshot('keys');
    await page.setViewportSize({ width: 390, height: 844 });
    for (const route of ['#/keys', '#/keys/billing', '#/audit']) {
      await open(route);
      await page.locator('main h1').waitFor();
      await page.locator('main table, main dl').first().waitFor();
      await expect(noHorizontalScroll()).resolves.toBe(true);
    }
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('sends the user back to sign-in with the server message when the key stops working, and signs out', async () => {
    const ops = await server.call('POST', '/api/apikey', { alias: 'ops', name: 'Ops', roles: ['admin'] });
    await open('#/keys');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect(sessionEntries()).resolves.toBe(0);
    await page.getByLabel('Admin key').fill(String(ops.body['key']));
    await page.keyboard.press('Enter');
    await rows().first().waitFor();
    expect((await server.call('POST', '/api/apikey/ops/revoke')).status).toBe(200);

    browser.allow(/\/api\//, 401);
    await page.getByRole('link', { name: 'Audit' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await expect(page.getByRole('alert').textContent()).resolves.toBe('API key revoked');
    await expect(sessionEntries()).resolves.toBe(0);
    expect(browser.allowedSeen().length).toBeGreaterThan(0);
  });
});
