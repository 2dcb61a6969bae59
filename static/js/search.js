// Full-text search: the header's search button (and `/` or Ctrl+K / ⌘K) opens a dialog that
// searches the notes of the page's language with Pagefind's Component UI.
//
// Nothing of Pagefind is loaded until the dialog first opens: then the list of index shards,
// its stylesheet and script come from the site's own pagefind/ folder (the button says
// where, under any base_url path), and its index and WebAssembly once the reader types. No request leaves the site.
// Pagefind's dialog is a native modal <dialog>: focus stays in it, Escape closes it, ↓ and ↑
// move through the results, and result counts are announced in a live region. Closing it
// puts focus back where it was. Without JavaScript the button stays hidden (style.css shows
// it once <html> has the class `has-search`).
(function () {
  "use strict";
  var first = document.querySelector(".search-toggle");
  if (!first || !window.Promise || !window.HTMLDialogElement) return;
  var bundle = first.getAttribute("data-bundle");
  var root = first.getAttribute("data-root");
  var placeholder = first.getAttribute("data-placeholder");
  var modal = null; // <pagefind-modal>, once made
  var loading = null; // Promise of Pagefind's Component UI
  var returnTo = null; // what had focus before the dialog opened
  // What this script adds to the page is marked so: `notesite serve`'s live reload keeps it
  // when it swaps in a saved page's <body> (the button itself may be replaced then, so it
  // is always looked up afresh).
  var KEEP = "data-notesite-keep";

  // One result: title, category and date (Pagefind metadata of the note page), and the
  // excerpt with the matched words in <mark> (Pagefind escapes {{ }}; {{+ +}} is its HTML).
  var RESULT = [
    '<li class="pf-result search-result">',
    '  <div class="pf-result-card"><div class="pf-result-content">',
    '    <p class="pf-result-title"><a class="pf-result-link" href="{{ meta.url | default(url) | safeUrl }}">{{ meta.title }}</a></p>',
    '    <p class="search-result-meta">{{#if meta.category}}<span class="search-result-category">{{ meta.category }}</span>{{/if}}',
    '      {{#if meta.date}}<span class="search-result-date">{{ meta.date }}</span>{{/if}}</p>',
    '    {{#if excerpt}}<p class="pf-result-excerpt">{{+ excerpt +}}</p>{{/if}}',
    "  </div></div>",
    "</li>"
  ].join("\n");

  function element(name, attributes) {
    var made = document.createElement(name);
    Object.keys(attributes || {}).forEach(function (key) { made.setAttribute(key, attributes[key]); });
    return made;
  }

  // The dialog's markup goes into the page once Pagefind's script is loaded and its
  // instance configured: each element is then set up once, in its final place.
  function markup(primary) {
    var config = element("pagefind-config", { "bundle-path": primary, "base-url": root });
    var results = element("pagefind-results");
    var template = element("script", { type: "text/pagefind-template" });
    template.textContent = RESULT;
    results.appendChild(template);
    var header = element("pagefind-modal-header");
    header.appendChild(element("pagefind-input", { placeholder: placeholder }));
    var body = element("pagefind-modal-body");
    body.append(element("pagefind-summary"), results);
    var footer = element("pagefind-modal-footer");
    footer.appendChild(element("pagefind-keyboard-hints"));
    modal = element("pagefind-modal", { "class": "search-modal" });
    modal.append(header, body, footer);
    // `close` does not bubble, but a capturing listener on an ancestor still sees it.
    modal.addEventListener("close", closed, true);
    config.setAttribute(KEEP, "");
    modal.setAttribute(KEEP, "");
    document.body.append(config, modal);
  }

  // The index is in shards (pagefind/shards.json lists each language's, notesite's
  // search.py says why): the first of the page's language is Pagefind's bundle, with
  // its scripts; the others are merged into it (Pagefind's mergeIndex), so one search
  // covers all the notes of the language.
  function shards() {
    return fetch(bundle + "shards.json").then(function (response) {
      if (!response.ok) throw new Error("cannot load " + response.url);
      return response.json();
    }).then(function (languages) {
      var list = languages[document.documentElement.lang];
      if (!list || !list.length) throw new Error("no search index for this page's language");
      return list.map(function (folder) { return bundle + folder; });
    });
  }

  function load() {
    if (!loading) {
      loading = shards().then(function (folders) {
        return new Promise(function (resolve, reject) {
          var primary = folders[0];
          var style = element("link", { rel: "stylesheet", href: primary + "pagefind-component-ui.css" });
          var script = element("script", { src: primary + "pagefind-component-ui.js" });
          style.setAttribute(KEEP, "");
          script.setAttribute(KEEP, "");
          script.onload = function () {
            // Configured before its elements are in the page: they use this instance.
            window.PagefindComponents.configureInstance("default", {
              bundlePath: primary,
              baseUrl: root,
              mergeIndex: folders.slice(1).map(function (folder) { return { bundlePath: folder }; })
            });
            markup(primary);
            // Pagefind's live regions (result counts for screen readers) live in <body> too.
            document.querySelectorAll("[data-pagefind-announcer]").forEach(function (node) {
              node.setAttribute(KEEP, "");
            });
            resolve();
          };
          script.onerror = function () {
            style.remove();
            script.remove();
            reject(new Error("cannot load " + script.src));
          };
          document.head.append(style, script);
        });
      });
      loading.catch(function () { loading = null; }); // try again on the next open
    }
    return loading;
  }

  function expanded(value) {
    var button = document.querySelector(".search-toggle");
    if (button) button.setAttribute("aria-expanded", value);
    return button;
  }

  function open() {
    if (modal && modal.isOpen) return;
    returnTo = document.activeElement;
    load().then(function () {
      modal.open();
      expanded("true");
    }).catch(function (error) {
      console.error("notesite search:", error);
    });
  }

  function closed() {
    var button = expanded("false");
    var target = returnTo && returnTo.isConnected && returnTo !== document.body ? returnTo : button;
    returnTo = null;
    if (target) target.focus();
  }

  function typing(target) {
    return !!(target && target.closest &&
      target.closest("input, textarea, select, [contenteditable]:not([contenteditable='false'])"));
  }

  document.documentElement.classList.add("has-search");
  expanded("false");
  // Delegated, so they keep working when `notesite serve` replaces the header.
  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest(".search-toggle")) open();
  });
  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.isComposing || event.altKey) return;
    var key = event.key;
    var slash = key === "/" && !event.ctrlKey && !event.metaKey;
    var modK = (key === "k" || key === "K") && (event.ctrlKey || event.metaKey) && !event.shiftKey;
    if (!slash && !modK) return;
    if (modal && modal.isOpen) {
      if (modK) event.preventDefault(); // not the browser's own Ctrl+K
      return; // `/` inside the dialog is Pagefind's: back to the search field
    }
    if (slash && typing(event.target)) return; // a slash typed into a form field
    event.preventDefault();
    open();
  });
})();
