// Code blocks: a copy button on each (added here, so pages without JavaScript have none).
// The button's words come from its script tag (the page's language).
(function () {
  var script = document.currentScript;
  var label = (script && script.dataset.copy) || "Copy";
  var done = (script && script.dataset.copied) || "Copied";

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(text);
    // http:// on another host: the older way, through a selected off-screen textarea.
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    var ok = document.execCommand("copy");
    area.remove();
    return ok ? Promise.resolve() : Promise.reject(new Error("copy refused"));
  }

  function addButtons(root) {
    root.querySelectorAll(".code-block").forEach(function (block) {
      if (block.querySelector(".code-copy")) return;
      var button = document.createElement("button");
      button.type = "button";
      button.className = "code-copy";
      button.textContent = label;
      block.appendChild(button);
      block.classList.add("has-copy");
    });
  }

  // Delegated, so blocks that `notesite serve` patches into the page work too.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest(".code-copy");
    if (!button) return;
    var code = button.parentNode.querySelector("pre code");
    // Line numbers are CSS counters, so the text holds only the code.
    copyText(code.textContent).then(function () {
      button.textContent = done;
      button.classList.add("is-done");
      setTimeout(function () {
        button.textContent = label;
        button.classList.remove("is-done");
      }, 1500);
    });
  });
  addButtons(document);
  new MutationObserver(function () { addButtons(document); })
    .observe(document.body, { childList: true, subtree: true });
})();
