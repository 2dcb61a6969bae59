// Light/dark theme: follows the system unless the reader chose one (kept in localStorage;
// base.html applies a stored choice before the first paint). This is the toggle.
(function () {
  var media = window.matchMedia("(prefers-color-scheme: dark)");

  function isDark() {
    var chosen = document.documentElement.getAttribute("data-theme");
    return chosen ? chosen === "dark" : media.matches;
  }

  function mark() {
    document.querySelectorAll(".theme-toggle").forEach(function (button) {
      button.setAttribute("aria-pressed", isDark() ? "true" : "false");
    });
  }

  // Delegated, so it keeps working when the page body is replaced (notesite serve).
  document.addEventListener("click", function (event) {
    if (!event.target.closest || !event.target.closest(".theme-toggle")) return;
    var next = isDark() ? "light" : "dark";
    document.documentElement.setAttribute("data-theme", next);
    try { localStorage.setItem("notesite-theme", next); } catch (e) {}
    mark();
  });
  if (media.addEventListener) media.addEventListener("change", mark);
  mark();
})();
