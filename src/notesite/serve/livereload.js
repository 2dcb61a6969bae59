// notesite serve: live reload, stylesheet swaps and the build-error overlay.
// Injected by `notesite serve` only; never part of a built site.
(function () {
  "use strict";
  var page = location.pathname;
  var scrollKey = "notesite-scroll:" + page;
  var saved = sessionStorage.getItem(scrollKey);
  if (saved !== null) {
    sessionStorage.removeItem(scrollKey);
    var restore = function () { window.scrollTo(0, parseFloat(saved)); };
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", restore);
    else restore();
  }

  function showError(message) {
    var overlay = document.getElementById("notesite-error-overlay");
    if (!overlay) {
      overlay = document.createElement("div");
      overlay.id = "notesite-error-overlay";
      overlay.setAttribute("role", "alert");
      overlay.style.cssText = "position:fixed;inset:0 0 auto 0;z-index:2147483647;margin:0;" +
        "padding:1rem 1.25rem;background:#2b0f0f;color:#ffd7d7;font:14px/1.5 monospace;" +
        "white-space:pre-wrap;border-bottom:3px solid #e5534b;box-shadow:0 4px 16px rgba(0,0,0,.4)";
      document.body.appendChild(overlay);
    }
    overlay.textContent = "notesite: build failed — showing the last good version\n\n" + message;
  }

  function clearError() {
    var overlay = document.getElementById("notesite-error-overlay");
    if (overlay) overlay.remove();
  }

  function swapStylesheets() {
    document.querySelectorAll('link[rel="stylesheet"]').forEach(function (link) {
      var url = new URL(link.href);
      url.searchParams.set("notesite-reload", String(Date.now()));
      link.href = url.toString();
    });
  }

  // Notes dated in the future are served while writing; say so next to their date.
  // (Done here, not in the templates, so that built pages do not depend on the clock.)
  function markScheduled() {
    document.querySelectorAll(".post-meta > time[datetime]").forEach(function (time) {
      var meta = time.parentNode;
      if (Date.parse(time.getAttribute("datetime")) > Date.now() &&
          !meta.querySelector(".notesite-scheduled")) {
        var badge = document.createElement("span");
        badge.className = "badge draft notesite-scheduled";
        badge.textContent = document.documentElement.lang.indexOf("zh") === 0 ? "未到发布日期" : "Scheduled";
        meta.appendChild(badge);
      }
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", markScheduled);
  else markScheduled();
  document.addEventListener("notesite:refreshed", markScheduled);

  var source = new EventSource("/__notesite/events?page=" + encodeURIComponent(page));
  function fullReload() {
    sessionStorage.setItem(scrollKey, String(window.scrollY));
    location.reload();
  }

  function headAssets(doc) {
    return Array.from(doc.head.querySelectorAll('link[rel="stylesheet"], script[src]'))
      .map(function (node) { return (node.getAttribute("href") || node.getAttribute("src") || "").split("?")[0]; })
      .join("\n");
  }

  function syncAttributes(target, source) {
    Array.from(target.attributes).forEach(function (attribute) {
      if (!source.hasAttribute(attribute.name)) target.removeAttribute(attribute.name);
    });
    Array.from(source.attributes).forEach(function (attribute) {
      if (target.getAttribute(attribute.name) !== attribute.value) {
        target.setAttribute(attribute.name, attribute.value);
      }
    });
  }

  // Make `current`'s children equal to `next`'s, touching only what differs: equal
  // leading and trailing children stay (no style or layout work for them), a single
  // changed element of the same tag is patched recursively, anything else is replaced.
  function patch(current, next, depth) {
    var a = Array.from(current.childNodes), b = Array.from(next.childNodes);
    var start = 0;
    while (start < a.length && start < b.length && a[start].isEqualNode(b[start])) start++;
    var endA = a.length - 1, endB = b.length - 1;
    while (endA >= start && endB >= start && a[endA].isEqualNode(b[endB])) { endA--; endB--; }
    if (endA === start && endB === start && a[start].nodeType === 1 &&
        a[start].tagName === b[start].tagName && depth < 12) {
      syncAttributes(a[start], b[start]);
      patch(a[start], b[start], depth + 1);
      return;
    }
    var before = a[endA + 1] || null;
    for (var i = start; i <= endA; i++) current.removeChild(a[i]);
    for (var j = start; j <= endB; j++) current.insertBefore(document.adoptNode(b[j]), before);
  }

  // Swap in the new body instead of reloading: no stylesheet, font or script is
  // fetched again, and the scroll position stays where it was.
  function refreshInPlace() {
    fetch(location.href, { cache: "no-store" })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        var next = new DOMParser().parseFromString(html, "text/html");
        if (headAssets(next) !== headAssets(document)) { fullReload(); return; }
        var x = window.scrollX, y = window.scrollY;
        var overlay = document.getElementById("notesite-error-overlay");
        if (overlay) overlay.remove();
        document.title = next.title;
        document.documentElement.lang = next.documentElement.lang;
        syncAttributes(document.body, next.body);
        patch(document.body, next.body, 0);
        if (overlay) document.body.appendChild(overlay);
        window.scrollTo(x, y);
        document.dispatchEvent(new CustomEvent("notesite:refreshed"));
      })
      .catch(fullReload);
  }

  source.addEventListener("reload", refreshInPlace);
  source.addEventListener("css", swapStylesheets);
  source.addEventListener("error-overlay", function (event) { showError(event.data); });
  source.addEventListener("ok", clearError);
  window.__notesiteLiveReload = source;
})();
