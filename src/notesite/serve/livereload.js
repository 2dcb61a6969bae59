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

  // One panel for both: a failed build (red; the last good page stays) and warnings
  // about the files being written (amber; the page is updated and shows them in place).
  var HEADINGS = {
    error: "notesite: build failed — showing the last good version",
    warning: "notesite: problems in the files you are editing (the page shows the update)"
  };
  var COLOURS = { error: ["#2b0f0f", "#ffd7d7", "#e5534b"], warning: ["#2b230f", "#ffeec2", "#d29922"] };

  function showOverlay(kind, message) {
    clearError();
    var colours = COLOURS[kind];
    var overlay = document.createElement("div");
    overlay.id = "notesite-error-overlay";
    overlay.dataset.kind = kind;
    overlay.setAttribute("role", "alert");
    overlay.style.cssText = "position:fixed;inset:0 0 auto 0;z-index:2147483647;margin:0;" +
      "padding:1rem 2.5rem 1rem 1.25rem;max-height:50vh;overflow:auto;font:14px/1.5 monospace;" +
      "white-space:pre-wrap;box-shadow:0 4px 16px rgba(0,0,0,.4);background:" + colours[0] +
      ";color:" + colours[1] + ";border-bottom:3px solid " + colours[2];
    var close = document.createElement("button");
    close.type = "button";
    close.textContent = "×";
    close.setAttribute("aria-label", "Close");
    close.style.cssText = "position:absolute;top:.5rem;right:.75rem;border:0;background:none;" +
      "color:inherit;font:20px/1 sans-serif;cursor:pointer";
    close.addEventListener("click", clearError);
    overlay.appendChild(document.createTextNode(HEADINGS[kind] + "\n\n" + message));
    overlay.appendChild(close);
    document.body.appendChild(overlay);
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

  function assetKey(node) {
    return node.tagName + " " + (node.getAttribute("href") || node.getAttribute("src") || "").split("?")[0];
  }

  // What the page's own scripts added and marked `data-notesite-keep` (the search dialog,
  // the stylesheet and script it loaded) is theirs: a new <body> or <head> leaves it alone.
  function ours(node) {
    return !(node.nodeType === 1 && node.hasAttribute("data-notesite-keep"));
  }

  function headAssets(doc) {
    return Array.from(doc.head.querySelectorAll('link[rel="stylesheet"], script[src]')).filter(ours);
  }

  // The stylesheets `next` adds to this page's (KaTeX's, when a first formula is typed),
  // or null when scripts or removals differ and only a full reload is safe.
  function addedStylesheets(next) {
    var have = headAssets(document).map(assetKey);
    var want = headAssets(next);
    var keys = want.map(assetKey);
    if (!have.every(function (key) { return keys.indexOf(key) !== -1; })) return null;
    var added = want.filter(function (node) { return have.indexOf(assetKey(node)) === -1; });
    return added.every(function (node) { return node.tagName === "LINK"; }) ? added : null;
  }

  // Add stylesheets and call `done` once they have loaded (so nothing shows unstyled).
  function addStylesheets(links, done) {
    var pending = links.length;
    if (!pending) { done(); return; }
    links.forEach(function (link) {
      var copy = document.importNode(link, true);
      copy.addEventListener("load", function () { if (--pending === 0) done(); });
      copy.addEventListener("error", function () { if (--pending === 0) done(); });
      document.head.appendChild(copy);
    });
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
    var a = Array.from(current.childNodes).filter(ours), b = Array.from(next.childNodes);
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
  // fetched again (new stylesheets are added first), and the scroll position stays.
  // The server pushes the new page with the event (no round trip); an event without
  // it (a page it could not send that way) means fetch it.
  function refreshInPlace(event) {
    if (event && event.data) {
      refreshFrom(event.data);
      return;
    }
    fetch(location.href, { cache: "no-store" })
      .then(function (response) { return response.text(); })
      .then(refreshFrom)
      .catch(fullReload);
  }

  function refreshFrom(html) {
    var next = new DOMParser().parseFromString(html, "text/html");
    var added = addedStylesheets(next);
    if (added === null) { fullReload(); return; }
    addStylesheets(added, function () { swapBody(next); });
  }

  function swapBody(next) {
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
  }

  source.addEventListener("reload", refreshInPlace);
  source.addEventListener("css", swapStylesheets);
  source.addEventListener("error-overlay", function (event) { showOverlay("error", event.data); });
  source.addEventListener("warnings", function (event) { showOverlay("warning", event.data); });
  source.addEventListener("ok", clearError);
  window.__notesiteLiveReload = source;
})();
