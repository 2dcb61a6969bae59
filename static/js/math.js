// Typeset the formulas notesite marked up at build time (client math mode).
// Each .math element holds its TeX source as text, so no delimiter scanning is needed.
document.addEventListener("DOMContentLoaded", function () {
  if (!window.katex) return;
  var macrosElement = document.getElementById("katex-macros");
  var macros = macrosElement ? JSON.parse(macrosElement.textContent) : {};
  document.querySelectorAll(".math").forEach(function (element) {
    var tex = element.textContent;
    window.katex.render(tex, element, {
      displayMode: element.classList.contains("math-display"),
      throwOnError: false,
      macros: Object.assign({}, macros),
      output: "htmlAndMathml",
    });
  });
});
