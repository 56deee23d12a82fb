// Comfort only: every page works without this file.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  // A facet checkbox goes straight to its toggle URL (built by the server);
  // sort, page size and the search options submit the search form.
  document.addEventListener("change", function (ev) {
    var el = ev.target;
    if (!(el instanceof HTMLElement)) return;
    if (el.dataset.toggleUrl) {
      window.location.assign(el.dataset.toggleUrl);
    } else if (el.hasAttribute("data-autosubmit") && el.form) {
      if (el.form.requestSubmit) el.form.requestSubmit(); else el.form.submit();
    }
  });

  // Leave empty fields and defaults out of the URL (?q=cap, not
  // ?q=cap&year_from=&year_to=&sort=relevance&limit=10): same search, shorter link.
  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    if (!(form instanceof HTMLFormElement) || form.id !== "search") return;
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.disabled) return;
      var isDefault = el.dataset && el.dataset.default !== undefined && el.value === el.dataset.default;
      if ((el.value === "" && el.type !== "checkbox") || isDefault) {
        el.disabled = true;
        el.dataset.reenable = "1";
      }
    });
  });
  // Coming back (history), the fields must work again.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("[data-reenable]").forEach(function (el) {
      el.disabled = false;
      delete el.dataset.reenable;
    });
  });

  // "/" focuses the search box, unless one is typing somewhere already.
  document.addEventListener("keydown", function (ev) {
    if (ev.key !== "/" || ev.ctrlKey || ev.metaKey || ev.altKey) return;
    var t = ev.target;
    if (t instanceof HTMLElement && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
    var q = document.getElementById("q");
    if (!q) return;
    ev.preventDefault();
    q.focus();
    q.select();
  });

  // On a phone the filter panel starts closed, so the results come first.
  if (window.matchMedia && window.matchMedia("(max-width: 48rem)").matches) {
    document.querySelectorAll("details[data-collapse-narrow]").forEach(function (d) {
      d.removeAttribute("open");
    });
  }

  // Staff pages: follow a reindex live (the page says the same on reload).
  var job = document.querySelector("[data-job-url]");
  if (job && window.fetch) {
    var state = job.querySelector(".job__state");
    var bar = job.querySelector("[data-job-bar]");
    var poll = function () {
      fetch(job.dataset.jobUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (j) {
          if (!j) return;
          var text;
          if (j.state === "running") {
            text = j.kind.charAt(0).toUpperCase() + j.kind.slice(1) + " reindex running (" + j.phase + "): " + j.done + " of " + j.total + " files.";
          } else if (j.state === "done") {
            text = "Last reindex (" + j.kind + ") finished " + j.finished + ".";
          } else if (j.state === "failed") {
            text = "The last reindex failed: " + j.error;
          } else {
            text = "No reindex has run from these pages yet.";
          }
          if (j.queued) text += " " + j.queued + " more waiting.";
          state.textContent = text;
          bar.value = j.percent;
          job.dataset.state = j.busy ? "busy" : j.state;
          window.setTimeout(poll, j.busy ? 700 : 3000);
        })
        .catch(function () { window.setTimeout(poll, 3000); });
    };
    poll();
  }
})();
