// The receipt of a ballot just cast (templates/elections/_receipt.html): shows the copy and
// print buttons, which need a script; the "save as a file" link works without one.
(function () {
  "use strict";
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    var code = document.getElementById(button.getAttribute("data-copy"));
    var said = button.parentNode.querySelector("[data-copied]");
    if (!code) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      var text = code.textContent.trim();
      var done = function () { if (said) said.textContent = button.getAttribute("data-says-copied"); };
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(text).then(done, function () { select(code); });
      } else {
        select(code);
        if (document.execCommand && document.execCommand("copy")) done();
      }
    });
  });
  function select(node) {
    var range = document.createRange();
    range.selectNodeContents(node);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
})();
