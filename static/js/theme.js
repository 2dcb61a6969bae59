// Light/dark theme: follows the system unless the reader chose one (kept in localStorage).
(function () {
  var stored = null;
  try { stored = localStorage.getItem("notesite-theme"); } catch (e) {}
  if (stored) document.documentElement.setAttribute("data-theme", stored);
  document.addEventListener("DOMContentLoaded", function () {
    var button = document.querySelector(".theme-toggle");
    if (!button) return;
    button.addEventListener("click", function () {
      var dark = document.documentElement.getAttribute("data-theme") === "dark" ||
        (!document.documentElement.getAttribute("data-theme") &&
          window.matchMedia("(prefers-color-scheme: dark)").matches);
      var next = dark ? "light" : "dark";
      document.documentElement.setAttribute("data-theme", next);
      try { localStorage.setItem("notesite-theme", next); } catch (e) {}
    });
  });
})();
