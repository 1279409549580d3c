// The built site in headless Chromium, over a local HTTP server (make docs-browser): every
// page reached from the home page by links opens, every image shows, no request fails,
// no script error, and nothing is requested from outside the site. Exit 1 on a problem.
import { chromium } from 'playwright-core';
const base = process.argv[2];
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
const page = await browser.newPage();
const problems = [];
let current = '';
page.on('requestfailed', r => problems.push(`${current}: request failed ${r.url()} ${r.failure()?.errorText}`));
page.on('response', r => { if (r.status() >= 400) problems.push(`${current}: HTTP ${r.status()} ${r.url()}`); });
page.on('pageerror', e => problems.push(`${current}: JS error ${e.message}`));
page.on('request', r => { if (!r.url().startsWith(base) && !r.url().startsWith('data:') && !r.url().startsWith('blob:')) problems.push(`${current}: external request ${r.url()}`); });
const seen = new Set(); const queue = [base + '/'];
while (queue.length) {
  const url = queue.shift(); const key = url.split('#')[0];
  if (seen.has(key)) continue; seen.add(key); current = key.replace(base, '');
  const resp = await page.goto(key, { waitUntil: 'networkidle' });
  if (!resp || resp.status() >= 400) { problems.push(`${current}: HTTP ${resp && resp.status()}`); continue; }
  const imgs = await page.$$eval('img', els => els.map(e => [e.src, e.complete && e.naturalWidth > 0]));
  for (const [src, ok] of imgs) if (!ok) problems.push(`${current}: image not shown ${src}`);
  const links = await page.$$eval('a[href]', els => els.map(e => e.href));
  for (const l of links) {
    if (!l.startsWith(base)) continue;
    const [target, frag] = l.split('#');
    if (frag) {
      if (target === key || target + 'index.html' === key) {
        const found = await page.evaluate(f => !!document.getElementById(decodeURIComponent(f)), frag);
        if (!found) problems.push(`${current}: anchor #${frag} missing`);
      }
    }
    if (!seen.has(target)) queue.push(target);
  }
}
await browser.close();
console.log(`crawled ${seen.size} URLs in Chromium, ${problems.length} problems`);
for (const p of problems) console.log(p);
process.exit(problems.length ? 1 : 0);
