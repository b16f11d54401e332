// Live counts by server-sent events. Each element with data-live="URL" listens to that stream
// and writes each field of the event it names (data-live-event) into its [data-field] children.
// When the status changes (a petition decided, an election closed) the page reloads, so its
// forms match the new state. Without this script the pages work the same, without live counts.
(function () {
  "use strict";
  if (!window.EventSource) return;

  function show(root, data) {
    root.querySelectorAll("[data-field]").forEach(function (el) {
      var name = el.getAttribute("data-field");
      if (name === "progress") {
        el.max = data.threshold;
        el.value = Math.min(data.signatures, data.threshold);
      } else if (name in data) {
        el.textContent = String(data[name]).replace(/_/g, " ");
      }
    });
  }

  function listen(root) {
    var url = root.getAttribute("data-live");
    if (!url) return;
    var status = root.getAttribute("data-status");
    var source = new EventSource(url);
    source.addEventListener(root.getAttribute("data-live-event"), function (message) {
      var data = JSON.parse(message.data);
      show(root, data);
      root.setAttribute("data-updated", String(Date.now()));
      if (status && data.status && data.status !== status) {
        source.close();
        window.location.reload();
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-live]").forEach(listen);
  });
})();
