import { chromium } from 'playwright-core';
const [url, expr] = process.argv.slice(2);
const b = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
const p = await b.newPage({ viewport: { width: 1280, height: 800 } });
await p.goto(url);
await p.waitForFunction(() => document.querySelector('main')?.dataset.render && document.querySelector('main').getAttribute('aria-busy') === 'false');
await p.waitForTimeout(200);
console.log(JSON.stringify(await p.evaluate(expr), null, 1));
await b.close();
