// Table of contents: marks the entry of the section being read (aria-current), and keeps
// it in view when the contents sit in a scrolling sidebar.
(function () {
  var ticking = false;

  function current(links) {
    // The section in view: the last heading above a line a third of the way down the window.
    var line = window.innerHeight / 3;
    var found = links[0];
    for (var i = 0; i < links.length; i++) {
      var id = decodeURIComponent(links[i].hash.slice(1));
      var heading = document.getElementById(id);
      if (heading && heading.getBoundingClientRect().top <= line) found = links[i];
    }
    return found;
  }

  function update() {
    ticking = false;
    var toc = document.querySelector("nav.toc");
    if (!toc) return;
    var links = Array.prototype.slice.call(toc.querySelectorAll("a[href^='#']"));
    if (!links.length) return;
    var active = current(links);
    links.forEach(function (link) {
      if (link === active) link.setAttribute("aria-current", "location");
      else link.removeAttribute("aria-current");
    });
    var box = toc.querySelector("ol");
    if (box && box.scrollHeight > box.clientHeight) {
      var top = active.offsetTop - box.offsetTop;
      if (top < box.scrollTop || top > box.scrollTop + box.clientHeight - active.offsetHeight) {
        box.scrollTop = top - box.clientHeight / 2;
      }
    }
  }

  function schedule() {
    if (!ticking) {
      ticking = true;
      requestAnimationFrame(update);
    }
  }
  window.addEventListener("scroll", schedule, { passive: true });
  window.addEventListener("resize", schedule);
  // Only when the reader scrolls (opening a page at a #section scrolls too): reading
  // positions at load would make the browser lay out a long page of formulas in one
  // blocking task, before the reader has moved.
})();
