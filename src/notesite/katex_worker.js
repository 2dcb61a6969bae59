// notesite's KaTeX worker: a long-lived process that renders batches of formulas.
// Usage: node katex_worker.js /path/to/katex
// On start it prints {"ready": "<katex version>"}. Then, for every request line
//   {"macros": {...}, "formulas": [[tex, display, output], ...]}
// (output is "htmlAndMathml" or "mathml") it prints one reply line
//   {"results": [[html, null] or [null, error], ...]}   (same order as the request).
// It exits when its stdin closes.
"use strict";
const katex = require(process.argv[2]);
const readline = require("readline");

function render(tex, display, output, macros) {
  try {
    const html = katex.renderToString(tex, {
      displayMode: display,
      output: output || "htmlAndMathml",
      macros: Object.assign({}, macros),
      throwOnError: true,
      strict: "ignore",
      trust: false,
    });
    return [html, null];
  } catch (error) {
    return [null, error instanceof katex.ParseError ? error.message : String(error)];
  }
}

// The first formulas of a fresh process run cold; warm up before saying ready.
render("\\frac{\\partial L}{\\partial \\theta} = \\sum_t \\gamma^t r_t", true, "htmlAndMathml", {});
process.stdout.write(JSON.stringify({ ready: katex.version }) + "\n");

const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
lines.on("line", (line) => {
  if (!line.trim()) return;
  const request = JSON.parse(line);
  const macros = request.macros || {};
  const results = request.formulas.map((f) => render(f[0], f[1], f[2], macros));
  process.stdout.write(JSON.stringify({ results: results }) + "\n");
});
lines.on("close", () => process.exit(0));
