// Light/dark theme: follows the system unless the reader chose one (kept in localStorage).
(function () {
  var stored = null;
  try { stored = localStorage.getItem("notesite-theme"); } catch (e) {}
  if (stored) document.documentElement.setAttribute("data-theme", stored);
  // Delegated, so it keeps working when the page body is replaced (notesite serve).
  document.addEventListener("click", function (event) {
    if (!event.target.closest || !event.target.closest(".theme-toggle")) return;
    var root = document.documentElement;
    var dark = root.getAttribute("data-theme") === "dark" ||
      (!root.getAttribute("data-theme") && window.matchMedia("(prefers-color-scheme: dark)").matches);
    var next = dark ? "light" : "dark";
    root.setAttribute("data-theme", next);
    try { localStorage.setItem("notesite-theme", next); } catch (e) {}
  });
})();
