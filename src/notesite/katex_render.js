// The one place notesite calls KaTeX: every engine (the Node.js worker,
// katex_worker.js, and the embedded V8 of embeddedkatex.py) runs this function
// on katex.min.js, so they give byte-identical HTML.
//   request: {"macros": {...}, "formulas": [[tex, display, output], ...]}
//   (output is "htmlAndMathml" or "mathml")
//   reply:   {"results": [[html, null] or [null, error], ...]}   (request order)
"use strict";

function notesiteRenderBatch(katex, request) {
  const macros = request.macros || {};
  const results = request.formulas.map(function (formula) {
    try {
      const html = katex.renderToString(formula[0], {
        displayMode: formula[1],
        output: formula[2] || "htmlAndMathml",
        macros: Object.assign({}, macros),
        throwOnError: true,
        strict: "ignore",
        trust: false,
      });
      return [html, null];
    } catch (error) {
      return [null, error instanceof katex.ParseError ? error.message : String(error)];
    }
  });
  return { results: results };
}

// The first formulas of a fresh engine run cold; engines call this before their first batch.
function notesiteWarmUp(katex) {
  notesiteRenderBatch(katex, {
    formulas: [["\\frac{\\partial L}{\\partial \\theta} = \\sum_t \\gamma^t r_t", true]],
  });
}

if (typeof module !== "undefined") {
  module.exports = { notesiteRenderBatch: notesiteRenderBatch, notesiteWarmUp: notesiteWarmUp };
}
