// notesite's KaTeX worker: renders formulas for a build, many per process start.
// Usage: node katex_worker.js /path/to/katex
// stdin: one JSON request per line {"id": n, "tex": "...", "display": bool, "output": "htmlAndMathml"|"mathml", "macros": {...}}
// stdout: one JSON reply per line {"id": n, "html": "..."} or {"id": n, "error": "..."}
"use strict";
const katex = require(process.argv[2]);
const readline = require("readline");

const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
const out = [];
lines.on("line", (line) => {
  if (!line.trim()) return;
  const request = JSON.parse(line);
  const reply = { id: request.id };
  try {
    reply.html = katex.renderToString(request.tex, {
      displayMode: request.display,
      output: request.output || "htmlAndMathml",
      macros: Object.assign({}, request.macros || {}),
      throwOnError: true,
      strict: "ignore",
      trust: false,
    });
  } catch (error) {
    reply.error = error instanceof katex.ParseError ? error.message : String(error);
  }
  out.push(JSON.stringify(reply));
  if (out.length >= 256) process.stdout.write(out.splice(0).join("\n") + "\n");
});
lines.on("close", () => {
  if (out.length) process.stdout.write(out.join("\n") + "\n");
  process.stdout.write(JSON.stringify({ version: katex.version }) + "\n");
});
