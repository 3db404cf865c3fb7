// Drives Jupyter Notebook 6 on the golign kernel in headless Chromium, the
// way a person would: keyboard and mouse on the page, results read back from
// the DOM and the CodeMirror editors.
//
//  1. The plot cell of plot.ipynb, run with Shift+Enter, shows a PNG image
//     that has loaded (naturalWidth > 0) and is not blank: drawn to a canvas,
//     part of it, but not all of it, is ink rather than white background.
//  2. In a new cell `import "strings"` runs, and in the next one Tab after
//     `strings.ToU` completes to strings.ToUpper: either the editor holds it
//     at once, or the completion list offers ToUpper first and Enter puts it
//     in the editor (which checks the kernel's cursor_start as well).
//
// run.sh starts the server and passes NOTEBOOK_URL (the notebook's page),
// NOTEBOOK_TOKEN and SCREENSHOT (where the page's screenshot is saved, on
// failure as well as on success). Exits non-zero with a message naming the
// step that failed.
import { chromium } from 'playwright-core';

const notebookURL = requireEnv('NOTEBOOK_URL');
const token = requireEnv('NOTEBOOK_TOKEN');
const screenshotPath = requireEnv('SCREENSHOT');

// Limits that catch a hang, not a slow machine: a run takes about 30 s on an
// idle machine, and several times that on a loaded one must still pass.
const overallLimitMs = 240_000;
const kernelStartMs = 60_000;
const plotCellMs = 60_000;
const cellMs = 30_000;
const completionMs = 20_000;

// A pixel is ink when any channel is darker than this (the plot's background
// is white; anti-aliasing leaves near-white pixels that are not counted).
const inkThreshold = 240;
// Bounds on the fraction of ink pixels in a plot with a title, axes, grid and
// a curve: a blank or an all-dark image falls outside them.
const minInkFraction = 0.005;
const maxInkFraction = 0.6;

function requireEnv(name) {
  const value = process.env[name];
  if (!value) {
    console.error(`notebook-ui: ${name} is not set (run the test through run.sh)`);
    process.exit(2);
  }
  return value;
}

function log(message) {
  console.log(`notebook-ui: ${message}`);
}

// StepError is a failed check; its message says which step and what was seen.
class StepError extends Error {}

const overallTimer = setTimeout(() => {
  console.error(`notebook-ui: FAIL: the browser checks did not finish within ${overallLimitMs / 1000} s`);
  process.exit(1);
}, overallLimitMs);

const browser = await chromium
  .launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  })
  .catch((err) => {
    console.error(`notebook-ui: FAIL: could not start /usr/bin/chromium: ${err.message}`);
    process.exit(1);
  });

let page;
let failed = false;
try {
  const context = await browser.newContext({ viewport: { width: 1200, height: 1300 } });
  page = await context.newPage();
  const pageErrors = [];
  page.on('pageerror', (err) => pageErrors.push(err.message));

  await step('open the notebook', async () => {
    const response = await page.goto(`${notebookURL}?token=${encodeURIComponent(token)}`);
    if (!response || !response.ok()) {
      throw new StepError(`GET ${notebookURL} answered ${response ? response.status() : 'nothing'}`);
    }
    const kernel = await waitFor(kernelIdle, kernelStartMs, 'the kernel to start and be idle');
    if (kernel.name !== 'golign') {
      throw new StepError(`the notebook runs the kernel ${JSON.stringify(kernel.name)}, not golign`);
    }
  });

  const plotCell = codeCell(0);
  await step('run the plot cell', async () => {
    await plotCell.locator('.CodeMirror').click();
    await page.keyboard.press('Shift+Enter');
    const image = await waitFor(probeCell, plotCellMs, 'a PNG image in the plot cell\'s output', {
      index: 0,
      want: 'image',
    });
    log(`plot image ${image.width}×${image.height} px`);
    const ink = await plotCell.locator('.output_area img').first().evaluate(inkFraction, inkThreshold);
    log(`plot ink: ${(100 * ink).toFixed(2)}% of pixels`);
    if (!(ink >= minInkFraction && ink <= maxInkFraction)) {
      throw new StepError(
        `the plot image looks blank or solid: ${(100 * ink).toFixed(2)}% of its pixels are ink, ` +
          `expected between ${100 * minInkFraction}% and ${100 * maxInkFraction}%`,
      );
    }
  });

  await step('import "strings" in a new cell', async () => {
    await typeInCell(1, 'import "strings"');
    await page.keyboard.press('Shift+Enter');
    await waitFor(probeCell, cellMs, 'the import cell to run', { index: 1, want: 'executed' });
  });

  await step('Tab-complete strings.ToU', async () => {
    await typeInCell(2, 'strings.ToU');
    await page.keyboard.press('Tab');
    const completion = await waitFor(completionOf, completionMs, 'a completion of strings.ToU', {
      index: 2,
      typed: 'strings.ToU',
    });
    log(`editor after Tab: ${JSON.stringify(completion.text)}; offered: ${JSON.stringify(completion.offered)}`);
    if (completion.text.startsWith('strings.ToUpper')) {
      return;
    }
    if (!/(^|\.)ToUpper$/.test(completion.offered[0] ?? '')) {
      throw new StepError(
        `Tab after strings.ToU left ${JSON.stringify(completion.text)} and offered ${JSON.stringify(completion.offered)}`,
      );
    }
    await page.keyboard.press('Enter');
    const picked = await waitFor(editorHolds, completionMs, 'strings.ToUpper in the editor after Enter', {
      index: 2,
      text: 'strings.ToUpper',
    });
    log(`editor after Enter: ${JSON.stringify(picked.text)}`);
  });

  if (pageErrors.length > 0) {
    log(`JavaScript errors on the page (not failures by themselves): ${pageErrors.join(' | ')}`);
  }
  log('PASS: the plot cell shows its image and Tab completes strings.ToUpper');
} catch (err) {
  failed = true;
  console.error(`notebook-ui: FAIL: ${err instanceof StepError ? err.message : err.stack}`);
} finally {
  if (page) {
    await page.screenshot({ path: screenshotPath, fullPage: true }).catch((err) => {
      console.error(`notebook-ui: could not save the screenshot: ${err.message}`);
      failed = true;
    });
  }
  await browser.close();
  clearTimeout(overallTimer);
}
process.exit(failed ? 1 : 0);

// step runs one named check, prefixing its failure with the name.
async function step(name, body) {
  const started = Date.now();
  try {
    await body();
  } catch (err) {
    throw new StepError(`${name}: ${err.message}`);
  }
  log(`${name}: ok (${((Date.now() - started) / 1000).toFixed(1)} s)`);
}

function codeCell(index) {
  return page.locator('#notebook-container .cell.code_cell').nth(index);
}

// typeInCell types text with the keyboard into code cell index (created by
// running the cell above it) and checks that the editor holds exactly text,
// so that auto-closed quotes or brackets cannot change what runs.
async function typeInCell(index, text) {
  const editor = codeCell(index).locator('.CodeMirror');
  await editor.waitFor({ timeout: cellMs });
  await editor.click();
  await page.keyboard.type(text);
  const typed = await editor.evaluate((el) => el.CodeMirror.getValue());
  if (typed !== text) {
    throw new StepError(`typed ${JSON.stringify(text)} into cell ${index} but its editor holds ${JSON.stringify(typed)}`);
  }
}

// waitFor polls probe(arg) in the page until it returns a result, and fails
// with what the page shows (dialogs, kernel state, cell errors) when it
// reports an error or time runs out.
async function waitFor(probe, timeoutMs, what, arg) {
  let result;
  try {
    const handle = await page.waitForFunction(probe, arg, { timeout: timeoutMs, polling: 100 });
    result = await handle.jsonValue();
  } catch (err) {
    if (!/Timeout/i.test(err.message)) {
      throw err;
    }
    const state = await page.evaluate(pageState).catch(() => 'the page could not be read');
    throw new StepError(`waited ${timeoutMs / 1000} s for ${what} in vain; the page shows: ${state}`);
  }
  if (result.error) {
    throw new StepError(`while waiting for ${what}: ${result.error}`);
  }
  return result;
}

// The functions below run in the page.

// kernelIdle reports the name of the kernel once it is connected and idle,
// as the kernel indicator in the toolbar shows it.
function kernelIdle() {
  const icon = document.querySelector('#kernel_indicator_icon');
  if (icon && icon.classList.contains('kernel_dead_icon')) {
    return { error: 'the kernel died' };
  }
  const nb = window.Jupyter && window.Jupyter.notebook;
  const connected = nb && nb.kernel && nb.kernel.is_connected();
  return connected && icon && icon.classList.contains('kernel_idle_icon') ? { name: nb.kernel.name } : false;
}

// probeCell reports code cell index done as want says, or the error the
// cell printed instead. want is "image" for a loaded PNG data-URI image in
// the cell's output, or "executed" for an execution count in the cell's
// prompt with the kernel idle again.
function probeCell({ index, want }) {
  const cell = document.querySelectorAll('#notebook-container .cell.code_cell')[index];
  if (!cell) {
    return false;
  }
  const err = cell.querySelector('.output_error, .output_stderr');
  if (err) {
    return { error: `the cell printed an error: ${err.innerText.trim().slice(0, 800)}` };
  }
  if (want === 'image') {
    const img = cell.querySelector('.output_area img[src^="data:image/png;base64,"]');
    return img && img.complete && img.naturalWidth > 0 ? { width: img.naturalWidth, height: img.naturalHeight } : false;
  }
  const prompt = cell.querySelector('.input_prompt');
  const counted = prompt && /\[\d+\]/.test(prompt.innerText);
  const icon = document.querySelector('#kernel_indicator_icon');
  return counted && icon && icon.classList.contains('kernel_idle_icon') ? { done: true } : false;
}

// completionOf reads code cell index's editor and the completion list once
// the completion has changed the typed text or a list is shown.
function completionOf({ index, typed }) {
  const cell = document.querySelectorAll('#notebook-container .cell.code_cell')[index];
  const text = cell.querySelector('.CodeMirror').CodeMirror.getValue();
  const offered = Array.from(document.querySelectorAll('.completions select option'), (o) => o.textContent.trim());
  return text !== typed || offered.length > 0 ? { text, offered } : false;
}

// editorHolds reports code cell index's editor holding exactly text.
function editorHolds({ index, text }) {
  const cell = document.querySelectorAll('#notebook-container .cell.code_cell')[index];
  const value = cell.querySelector('.CodeMirror').CodeMirror.getValue();
  return value === text ? { text: value } : false;
}

// inkFraction draws img to a canvas and returns the fraction of its pixels
// that are visibly darker than white.
function inkFraction(img, threshold) {
  const canvas = document.createElement('canvas');
  canvas.width = img.naturalWidth;
  canvas.height = img.naturalHeight;
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.drawImage(img, 0, 0);
  const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height);
  let ink = 0;
  for (let i = 0; i < data.length; i += 4) {
    if (data[i] < threshold || data[i + 1] < threshold || data[i + 2] < threshold) {
      ink++;
    }
  }
  return ink / (canvas.width * canvas.height);
}

// pageState describes what the page shows, for failure messages.
function pageState() {
  const parts = [];
  const dialog = document.querySelector('.modal.in, .modal.show');
  if (dialog) {
    parts.push(`dialog "${dialog.innerText.trim().replace(/\s+/g, ' ').slice(0, 400)}"`);
  }
  const icon = document.querySelector('#kernel_indicator_icon');
  parts.push(`kernel indicator "${icon ? icon.className : 'absent'}"`);
  const notification = document.querySelector('#notification_kernel');
  if (notification && notification.innerText.trim()) {
    parts.push(`kernel notification "${notification.innerText.trim()}"`);
  }
  const prompts = Array.from(document.querySelectorAll('#notebook-container .input_prompt'), (p) => p.innerText.trim());
  parts.push(`prompts ${JSON.stringify(prompts)}`);
  return parts.join('; ');
}
