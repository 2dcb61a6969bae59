// notesite's KaTeX worker: a long-lived Node.js process that renders batches of formulas.
// Usage: node katex_worker.js /path/to/katex/dist
// On start it prints {"ready": "<katex version>"}. Then, for every request line
// (see katex_render.js) it prints one reply line. It exits when its stdin closes.
"use strict";
const path = require("path");
const readline = require("readline");
const katex = require(path.join(process.argv[2], "katex.min.js"));
const { notesiteRenderBatch, notesiteWarmUp } = require("./katex_render.js");

notesiteWarmUp(katex);
process.stdout.write(JSON.stringify({ ready: katex.version }) + "\n");

const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
lines.on("line", (line) => {
  if (!line.trim()) return;
  const reply = notesiteRenderBatch(katex, JSON.parse(line));
  process.stdout.write(JSON.stringify(reply) + "\n");
});
lines.on("close", () => process.exit(0));
