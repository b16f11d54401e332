// Live counts by server-sent events. Each element with data-live="URL" listens to that stream
// and writes each field of the event it names (data-live-event) into its [data-field] children.
// When the status changes (a petition decided, an election closed) the page reloads, so its
// forms match the new state. An element with data-live-fragment="URL" instead swaps in that
// server-rendered fragment when the state changes (a council's seats: bar, hemicycle, table),
// and says so in its section's [data-live-announce] region for screen readers.
// Without this script the pages work the same, without live updates.
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

  function announce(root, data) {
    var region = root.parentNode && root.parentNode.querySelector("[data-live-announce]");
    if (!region) return;
    // The page gives the sentence in its own language (data-says*); English otherwise.
    var says = region.getAttribute("data-says") || "The seats changed: {filled} of {seats} filled; {majority}.";
    var majority = data.majority
      ? (region.getAttribute("data-says-majority") || "majority: {faction}").replace("{faction}", data.majority)
      : (region.getAttribute("data-says-none") || "no majority");
    region.textContent = says.replace("{filled}", data.filled).replace("{seats}", data.seats)
      .replace("{majority}", majority);
  }

  function swap(root, data) {
    var url = root.getAttribute("data-live-fragment");
    fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.text();
      })
      .then(function (html) {
        root.innerHTML = html;
        root.setAttribute("data-updated", String(Date.now()));
        announce(root, data);
      })
      .catch(function () { /* the next change tries again; a reload shows the seats */ });
  }

  function follow(root) {
    var last = null;
    var source = new EventSource(root.getAttribute("data-live"));
    source.addEventListener(root.getAttribute("data-live-event"), function (message) {
      if (last !== null && message.data !== last) swap(root, JSON.parse(message.data));
      else root.setAttribute("data-listening", "yes");
      last = message.data;
    });
  }

  function listen(root) {
    if (root.hasAttribute("data-live-fragment")) return follow(root);
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
