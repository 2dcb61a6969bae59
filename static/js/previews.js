// Hover previews: pointing at (or tabbing to) a link into a note shows a card with what it
// points at — the note's title and first paragraph, a heading and the start of its section,
// a numbered equation, a footnote — without leaving the page.
//
// The card is made from the target page itself: fetched (same origin only) the first time a
// link to it is previewed, parsed with DOMParser, kept per URL. No per-note preview files are
// generated: builds and `notesite serve` saves do no extra work, nothing new needs page keys,
// and a card always shows exactly what the page shows (KaTeX HTML included). The page fetched
// is usually the next one read, so the browser's cache serves that visit.
// Without JavaScript, links are plain links. Touch never previews: a tap navigates.
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !window.fetch || !window.DOMParser || !window.Promise) return;

  // This file is <site>/static/js/previews.js, so the site's root (base_url's path) and
  // KaTeX's stylesheet are found from its own URL, under any sub-path.
  var SITE = new URL("../../", script.src);
  var KATEX_CSS = new URL("../katex/katex.min.css", script.src).href;
  var NOTE = /^(?:[^/]+\/)?posts\/[^/]+\/(?:index\.html)?$/; // posts/<slug>/, en/posts/<slug>/
  var CARD_ID = "notesite-preview";
  var SHOW_DELAY = 350;
  var HIDE_DELAY = 250;
  var DROP = "script, style, link, meta, base, iframe, frame, object, embed, form, input, " +
    "button, select, textarea, template, noscript, audio, video, canvas, dialog, " +
    ".heading-anchor, .footnote-backref";
  // Attributes that name other elements or run code; ids are dropped too (they would
  // duplicate the page's own and break its anchors and ARIA references).
  var STRIP = ["id", "name", "for", "tabindex", "autofocus", "contenteditable", "aria-labelledby",
    "aria-describedby", "aria-controls", "aria-owns", "aria-activedescendant", "srcset"];

  var pages = new Map(); // page URL (no fragment) -> Promise of {doc, url} or null
  var card = null; // the card while it is shown
  var current = null; // the link a card is shown or pending for
  var dismissed = null; // the link whose card Escape closed, until the reader leaves it
  var pointerInside = false; // the pointer is over `current` or the card
  var lastPointerDown = 0;
  var showTimer = 0;
  var hideTimer = 0;
  var generation = 0; // answers for a link the reader has since left are ignored
  var katexLoading = null; // KaTeX's stylesheet, when this script added it

  function samePage(url) {
    var strip = function (path) { return path.replace(/index\.html$/, ""); };
    return url.origin === location.origin && strip(url.pathname) === strip(location.pathname);
  }

  // The link under `element` when it deserves a preview, else null: same-origin links to a
  // note page under the site's root, or to an element of this page; no files, listings or
  // other sites.
  function previewable(element) {
    var link = element && element.closest ? element.closest("a[href]") : null;
    if (!link || link.closest(".preview-card, .toc") || !link.closest("main")) return null; // the TOC: this page
    if (link.matches(".heading-anchor, .footnote-backref") || link.hasAttribute("download")) return null;
    var url;
    try { url = new URL(link.href); } catch (e) { return null; }
    if (url.origin !== location.origin) return null;
    if (samePage(url)) return url.hash.length > 1 ? link : null;
    if (url.pathname.indexOf(SITE.pathname) !== 0) return null;
    return NOTE.test(url.pathname.slice(SITE.pathname.length)) ? link : null;
  }

  function load(url) {
    var key = url.origin + url.pathname;
    if (!pages.has(key)) {
      var page = fetch(key, { credentials: "same-origin" }).then(function (response) {
        var type = response.headers.get("Content-Type") || "";
        if (!response.ok || type.indexOf("text/html") === -1) return null;
        if (new URL(response.url).origin !== location.origin) return null;
        return response.text().then(function (html) {
          return { doc: new DOMParser().parseFromString(html, "text/html"), url: response.url };
        });
      }).catch(function () {
        pages.delete(key); // a network error: try again next time
        return null;
      });
      pages.set(key, page);
    }
    return pages.get(key);
  }

  function fragmentOf(url) {
    var raw = url.hash.slice(1);
    try { return decodeURIComponent(raw); } catch (e) { return raw; }
  }

  // A copy of `node` fit for the card: no scripts or form controls, no ids, no handlers,
  // links and images resolved against the page they came from, nothing from other sites.
  function clean(node, base) {
    if (node.nodeType === 1 && node.matches(DROP)) return null;
    var copy = document.importNode(node, true);
    if (copy.nodeType !== 1) return copy;
    copy.querySelectorAll(DROP).forEach(function (element) { element.remove(); });
    [copy].concat(Array.from(copy.querySelectorAll("*"))).forEach(function (element) {
      Array.from(element.attributes).forEach(function (attribute) {
        var name = attribute.name.toLowerCase();
        if (name.indexOf("on") === 0 || STRIP.indexOf(name) !== -1) element.removeAttribute(attribute.name);
      });
      ["href", "src"].forEach(function (name) {
        if (!element.hasAttribute(name)) return;
        var url = null;
        try { url = new URL(element.getAttribute(name), base); } catch (e) { /* dropped below */ }
        var local = url && url.origin === location.origin;
        var allowed = local || (url && name === "href" && /^(https?|mailto):$/.test(url.protocol));
        if (allowed) element.setAttribute(name, url.href);
        else element.removeAttribute(name); // no request leaves the site, no javascript: links
      });
      if (element.tagName === "A") element.setAttribute("tabindex", "-1"); // never steal Tab
    });
    return copy;
  }

  // A heading or title as a plain line of the card (a real heading would join the page outline).
  function line(className, source, base) {
    var copy = document.createElement("p");
    copy.className = className;
    Array.from(source.childNodes).forEach(function (child) {
      var part = clean(child, base);
      if (part) copy.appendChild(part);
    });
    return copy;
  }

  // A heading and the start of its section: blocks up to the first paragraph, at most three.
  function section(heading, base) {
    var parts = [line("preview-heading", heading, base)];
    for (var node = heading.nextElementSibling; node && parts.length < 4; node = node.nextElementSibling) {
      if (/^H[1-6]$/.test(node.tagName) || node.matches(".footnotes, .footnotes-sep")) break;
      var part = clean(node, base);
      if (part) parts.push(part);
      if (node.tagName === "P") break;
    }
    return parts;
  }

  // What the element with that id shows in a card, or null for ids we do not preview.
  function fragmentParts(target, base) {
    if (target.matches("li.footnote-item")) {
      return Array.from(target.childNodes).map(function (child) { return clean(child, base); });
    }
    if (/^H[1-6]$/.test(target.tagName)) return section(target, base);
    if (target.matches(".math, p, li, blockquote, figure, table, dd")) return [clean(target, base)];
    return null;
  }

  function noteParts(doc, body, base) {
    var title = doc.querySelector(".post-title");
    var first = body.querySelector(":scope > p") || body.firstElementChild;
    return [title && line("preview-title", title, base), first && clean(first, base)];
  }

  // The card's content for `link`, from this page or the page it points into.
  function contentFor(link) {
    var url = new URL(link.href);
    var here = samePage(url);
    var page = here ? Promise.resolve({ doc: document, url: location.href }) : load(url);
    return page.then(function (source) {
      var body = source && source.doc.querySelector("article .post-body");
      if (!body) return null;
      var id = fragmentOf(url);
      var target = id ? source.doc.getElementById(id) : null;
      var parts = target && body.contains(target) ? fragmentParts(target, source.url) : null;
      if (parts && !here) {
        var title = source.doc.querySelector(".post-title");
        if (title) parts.unshift(line("preview-source", title, source.url));
      }
      if (!parts && !here) parts = noteParts(source.doc, body, source.url);
      parts = (parts || []).filter(Boolean);
      if (!parts.length) return null;
      return { parts: parts, lang: source.doc.documentElement.lang };
    });
  }

  // Formulas are rendered at build time; a page without any loads KaTeX's stylesheet only
  // when a card first shows one, and the card waits for it (no unstyled flash).
  function katexStyles(parts) {
    var math = parts.some(function (part) {
      return part.nodeType === 1 && (part.matches(".katex") || part.querySelector(".katex"));
    });
    if (!math) return Promise.resolve();
    var present = Array.from(document.querySelectorAll('link[rel="stylesheet"]')).some(function (link) {
      return link.href === KATEX_CSS;
    });
    if (present && katexLoading) return katexLoading; // ours, perhaps still loading
    if (present) return Promise.resolve();
    katexLoading = new Promise(function (resolve) {
      var link = document.createElement("link");
      link.rel = "stylesheet";
      link.href = KATEX_CSS;
      link.addEventListener("load", resolve);
      link.addEventListener("error", resolve);
      setTimeout(resolve, 2000);
      document.head.appendChild(link);
    });
    return katexLoading;
  }

  // Below the link, or above it when there is more room there; always inside the viewport,
  // so the card never makes the page scroll or reflow.
  function place(link) {
    var margin = 8, gap = 6;
    var rect = link.getClientRects()[0] || link.getBoundingClientRect();
    var width = document.documentElement.clientWidth, height = window.innerHeight;
    var w = card.offsetWidth, h = card.offsetHeight;
    var left = Math.max(margin, Math.min(rect.left, width - w - margin));
    var below = rect.bottom + gap, above = rect.top - gap - h;
    var top = below + h <= height - margin || height - rect.bottom < rect.top ? below : above;
    if (top === below && below + h > height - margin && above >= margin) top = above;
    top = Math.max(margin, Math.min(top, height - h - margin));
    card.style.left = left + window.scrollX + "px";
    card.style.top = top + window.scrollY + "px";
  }

  function show(link, content) {
    card = document.createElement("div");
    card.className = "preview-card";
    card.id = CARD_ID;
    card.setAttribute("role", "tooltip");
    if (content.lang) card.setAttribute("lang", content.lang);
    content.parts.forEach(function (part) { card.appendChild(part); });
    // A display formula's tag is placed against the right edge: give it the card's full width.
    if (card.querySelector(".math-display")) card.classList.add("preview-wide");
    document.body.appendChild(card);
    place(link);
    var described = link.getAttribute("aria-describedby");
    link.setAttribute("data-preview-describedby", described || "");
    link.setAttribute("aria-describedby", described ? CARD_ID + " " + described : CARD_ID);
    if (link.hasAttribute("title")) { // the browser's own tooltip would cover the card
      link.setAttribute("data-preview-title", link.getAttribute("title"));
      link.removeAttribute("title");
    }
    requestAnimationFrame(function () { if (card) card.classList.add("is-open"); });
  }

  function hide() {
    clearTimeout(showTimer);
    clearTimeout(hideTimer);
    generation++;
    if (card) card.remove();
    card = null;
    pointerInside = false;
    if (current && current.hasAttribute("data-preview-describedby")) {
      var described = current.getAttribute("data-preview-describedby");
      if (described) current.setAttribute("aria-describedby", described);
      else current.removeAttribute("aria-describedby");
      current.removeAttribute("data-preview-describedby");
    }
    if (current && current.hasAttribute("data-preview-title")) {
      current.setAttribute("title", current.getAttribute("data-preview-title"));
      current.removeAttribute("data-preview-title");
    }
    current = null;
  }

  function schedule(link) {
    if (link === current || link === dismissed) return;
    hide();
    current = link;
    var mine = generation;
    showTimer = setTimeout(function () {
      contentFor(link).then(function (content) {
        if (!content || mine !== generation) return null;
        return katexStyles(content.parts).then(function () {
          if (mine === generation) show(link, content);
        });
      });
    }, SHOW_DELAY);
  }

  function scheduleHide() {
    clearTimeout(hideTimer);
    hideTimer = setTimeout(hide, HIDE_DELAY);
  }

  function within(node) {
    return !!node && ((current && current.contains(node)) || (card && card.contains(node)));
  }

  // Delegated listeners, so they keep working when `notesite serve` swaps the page body.
  document.addEventListener("pointerover", function (event) {
    if (event.pointerType === "touch") return;
    if (within(event.target)) {
      pointerInside = true;
      clearTimeout(hideTimer);
      return;
    }
    var link = previewable(event.target);
    if (link) {
      schedule(link);
      pointerInside = true;
    }
  });

  document.addEventListener("pointerout", function (event) {
    if (event.pointerType === "touch") return;
    if (dismissed && dismissed.contains(event.target) && !dismissed.contains(event.relatedTarget)) {
      dismissed = null;
    }
    if (within(event.target) && !within(event.relatedTarget)) {
      pointerInside = false;
      scheduleHide();
    }
  });

  document.addEventListener("pointerdown", function (event) {
    lastPointerDown = Date.now();
    if (event.pointerType === "touch" || !within(event.target)) hide();
  });

  // Keyboard focus previews too; focus that comes from a click or a tap does not.
  document.addEventListener("focusin", function (event) {
    if (Date.now() - lastPointerDown < 800) return;
    var link = previewable(event.target);
    if (link && link === event.target) schedule(link);
  });

  document.addEventListener("focusout", function (event) {
    if (event.target === dismissed) dismissed = null;
    if (event.target === current && !pointerInside) hide();
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape" || !current) return;
    dismissed = current;
    hide();
  });

  window.addEventListener("resize", hide);
  document.addEventListener("notesite:refreshed", function () { // serve changed this page
    pages.clear();
    hide();
  });
})();
