/**
 * The browser side of the console suite: Debian's Chromium (never a downloaded one), headless, on a fresh
 * profile, with every console error, page error, failed request and unexpected HTTP error collected.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const chromiumMissing = existsSync(CHROMIUM) ? undefined : `${CHROMIUM} not found (apt-get install chromium)`;

const FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface Browser {
  context: BrowserContext;
  page: Page;
  /** Problems seen since the last call: console errors, page errors, failed requests, unexpected HTTP errors. */
  takeProblems(): string[];
  /** Lets answers with this status on matching URLs through (a step that expects them), until cleared. */
  allow(url: RegExp, status: number): void;
  /** Unexpected-or-not HTTP errors seen since the last allow(), as "status path". */
  allowedSeen(): string[];
  close(): Promise<void>;
}

export async function openBrowser(): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'keyledger-chromium-'));
  // --headless comes from headless: true; the profile directory is Chromium's --user-data-dir.
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    timezoneId: 'UTC',
    locale: 'en-GB',
    viewport: { width: 1280, height: 800 },
  });
  const page = context.pages()[0] ?? (await context.newPage());
  let problems: string[] = [];
  let allowed: { url: RegExp; status: number }[] = [];
  let seen: string[] = [];

  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    // A 4xx answer is also logged by Chromium as "Failed to load resource"; the response handler judges it.
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource: the server responded'))
      problems.push(`console error: ${message.text()}`);
  });
  page.on('requestfailed', (request) =>
    problems.push(`request failed: ${request.url()} ${request.failure()?.errorText}`),
  );
  page.on('response', (response) => {
    if (response.status() < 400) return;
    const url = new URL(response.url());
    const line = `${response.status()} ${url.pathname}${url.search}`;
    if (allowed.some((a) => a.status === response.status() && a.url.test(response.url()))) seen.push(line);
    else problems.push(`HTTP ${line}`);
  });

  return {
    context,
    page,
    takeProblems: () => {
      const out = problems;
      problems = [];
      return out;
    },
    allow: (url, status) => void allowed.push({ url, status }),
    allowedSeen: () => {
      const out = seen;
      seen = [];
      allowed = [];
      return out;
    },
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
