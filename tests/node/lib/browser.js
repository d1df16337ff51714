// Headless Chromium (Debian's chromium) driven by puppeteer-core, for the dashboard's tests:
// launch or explain why not, bounded waits that say what they waited for, screenshots as
// test artifacts, and a record of every request the page makes.
'use strict';
const fs = require('fs');
const path = require('path');

const CANDIDATES = [process.env.OUTPOST_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter(Boolean);

// Resolves {browser} or {skip: reason} when no Chromium can run here.
async function launch() {
  let puppeteer;
  try {
    puppeteer = require('puppeteer-core');
  } catch (e) {
    return { skip: `puppeteer-core is not installed in tests/node (scripts/test-env-setup runs npm install): ${e.message}` };
  }
  const executablePath = CANDIDATES.find((p) => fs.existsSync(p));
  if (!executablePath) return { skip: `no chromium at ${CANDIDATES.join(', ')} (scripts/install-deps installs Debian's chromium)` };
  try {
    const browser = await puppeteer.launch({
      executablePath,
      headless: true,
      // --no-sandbox: tests run as root, where Chromium's sandbox refuses to start.
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', '--disable-extensions'],
      timeout: 60000,
    });
    return { browser };
  } catch (e) {
    return { skip: `${executablePath} cannot start: ${e.message}` };
  }
}

// Waits until fn (run in the page) returns something truthy; the error names `what` and
// shows the page's status lines, so a failure says where the page was.
async function waitInPage(page, what, fn, arg, timeoutMs = 15000) {
  try {
    const handle = await page.waitForFunction(fn, { timeout: timeoutMs, polling: 100 }, arg);
    return await handle.jsonValue();
  } catch (e) {
    let context = '';
    try {
      context = await page.evaluate(() => [...document.querySelectorAll('.status')].map((s) => s.textContent).filter(Boolean).join(' | '));
    } catch (_) { /* page gone */ }
    const why = /Waiting failed|timeout/i.test(e.message) ? `timed out after ${timeoutMs} ms` : `failed (${e.message})`;
    throw new Error(`${why} waiting for ${what} (page at ${page.url()}; status: ${context || '-'})`);
  }
}

function screenshotter(page, folder) {
  fs.mkdirSync(folder, { recursive: true });
  return async (name) => {
    const file = path.join(folder, `dashboard-${name}.png`);
    await page.screenshot({ path: file, fullPage: true });
    return file;
  };
}

module.exports = { launch, waitInPage, screenshotter };
