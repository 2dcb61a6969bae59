// Full-text search: the header's search button (and `/` or Ctrl+K / ⌘K) opens a dialog that
// searches the notes of the page's language with Pagefind's Component UI.
//
// Nothing of Pagefind is loaded until the dialog first opens: then its stylesheet and script
// come from the site's own pagefind/ folder (the button says where, under any base_url
// path), and its index and WebAssembly once the reader types. No request leaves the site.
// Pagefind's dialog is a native modal <dialog>: focus stays in it, Escape closes it, ↓ and ↑
// move through the results, and result counts are announced in a live region. Closing it
// puts focus back where it was. Without JavaScript the button stays hidden.
(function () {
  "use strict";
  var button = document.querySelector(".search-toggle");
  if (!button || !window.Promise || !window.HTMLDialogElement) return;
  var bundle = button.getAttribute("data-bundle");
  var root = button.getAttribute("data-root");
  var modal = null; // <pagefind-modal>, once made
  var loading = null; // Promise of Pagefind's Component UI
  var returnTo = null; // what had focus before the dialog opened

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

  // The dialog's markup goes into the page before Pagefind's script defines its elements,
  // as on a page written with them: each is then set up once, in its final place.
  function markup() {
    var config = element("pagefind-config", { "bundle-path": bundle, "base-url": root });
    var results = element("pagefind-results");
    var template = element("script", { type: "text/pagefind-template" });
    template.textContent = RESULT;
    results.appendChild(template);
    var header = element("pagefind-modal-header");
    header.appendChild(element("pagefind-input", { placeholder: button.getAttribute("data-placeholder") }));
    var body = element("pagefind-modal-body");
    body.append(element("pagefind-summary"), results);
    var footer = element("pagefind-modal-footer");
    footer.appendChild(element("pagefind-keyboard-hints"));
    modal = element("pagefind-modal", { "class": "search-modal" });
    modal.append(header, body, footer);
    // `close` does not bubble, but a capturing listener on an ancestor still sees it.
    modal.addEventListener("close", closed, true);
    document.body.append(config, modal);
  }

  function load() {
    if (!loading) {
      if (!modal) markup();
      loading = new Promise(function (resolve, reject) {
        var style = document.createElement("link");
        style.rel = "stylesheet";
        style.href = bundle + "pagefind-component-ui.css";
        document.head.appendChild(style);
        var script = document.createElement("script");
        script.src = bundle + "pagefind-component-ui.js";
        script.onload = resolve;
        script.onerror = function () {
          script.remove();
          loading = null; // try again on the next open
          reject(new Error("cannot load " + script.src));
        };
        document.head.appendChild(script);
      });
    }
    return loading;
  }

  function element(name, attributes) {
    var made = document.createElement(name);
    Object.keys(attributes || {}).forEach(function (key) { made.setAttribute(key, attributes[key]); });
    return made;
  }

  function open() {
    if (modal && modal.isOpen) return;
    returnTo = document.activeElement;
    load().then(function () {
      modal.open();
      button.setAttribute("aria-expanded", "true");
    }).catch(function (error) {
      console.error("notesite search:", error);
    });
  }

  function closed() {
    button.setAttribute("aria-expanded", "false");
    var target = returnTo && returnTo.isConnected && returnTo !== document.body ? returnTo : button;
    returnTo = null;
    target.focus();
  }

  function typing(target) {
    return !!(target && target.closest &&
      target.closest("input, textarea, select, [contenteditable]:not([contenteditable='false'])"));
  }

  button.hidden = false;
  button.setAttribute("aria-expanded", "false");
  button.addEventListener("click", open);
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
