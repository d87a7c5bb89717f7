/* Parley: small enhancements only. Every page works without this file.
 *
 * "Since your last visit": the timeline page remembers, in this browser only, the day
 * a reader last opened it, and offers the "what changed" page since that day.
 * Nothing is sent anywhere. Loaded with `defer`; no inline scripts (CSP-friendly).
 * Filter forms also leave their empty fields out of the URL they make.
 * A link to an entry written the old way (the timeline's address + "#entry-<id>")
 * is sent on to the page of the timeline that holds the entry ("?entry=<id>").
 */
(function () {
  "use strict";

  function today() {
    var now = new Date();
    var month = String(now.getMonth() + 1).padStart(2, "0");
    var day = String(now.getDate()).padStart(2, "0");
    return now.getFullYear() + "-" + month + "-" + day;
  }

  function storage() {
    try {
      var probe = "parley:probe";
      window.localStorage.setItem(probe, probe);
      window.localStorage.removeItem(probe);
      return window.localStorage;
    } catch (error) {
      return null;
    }
  }

  function humanDate(iso) {
    var parts = iso.split("-");
    var date = new Date(Number(parts[0]), Number(parts[1]) - 1, Number(parts[2]));
    return date.toLocaleDateString("en-GB", { day: "numeric", month: "long", year: "numeric" });
  }

  function lastVisit() {
    var store = storage();
    if (!store) {
      return;
    }
    var markers = document.querySelectorAll("[data-last-visit]");
    markers.forEach(function (marker) {
      var key = "parley:visits:" + marker.getAttribute("data-slug");
      var latest = store.getItem(key + ":latest");
      var current = today();
      // A visit on an earlier day becomes "your last visit" for the whole of today.
      if (!marker.hasAttribute("data-keep") && latest !== current) {
        if (latest) {
          store.setItem(key + ":before", latest);
        }
        store.setItem(key + ":latest", current);
      }
      var before = store.getItem(key + ":before");
      if (before && /^\d{4}-\d{2}-\d{2}$/.test(before) && before < current) {
        var link = marker.querySelector("a");
        link.href = marker.getAttribute("data-changes-url") + "?since=" + before;
        link.textContent = (marker.hasAttribute("data-keep") ? "Since your last visit" :
          "What changed since your last visit") + " (" + humanDate(before) + ")";
        marker.hidden = false;
      }
    });
  }

  // Shorter shareable URLs: a filter left empty is not sent (?kind=event, not
  // ?actor=&kind=event&from=&to=&q=). Without this script the form sends them all.
  function dropEmptyFields() {
    document.querySelectorAll("form[data-drop-empty]").forEach(function (form) {
      form.addEventListener("submit", function () {
        Array.prototype.forEach.call(form.elements, function (field) {
          if (field.name && !field.value) {
            field.disabled = true;
          }
        });
        // Coming back to this page from the history must find the fields usable.
        window.setTimeout(function () {
          Array.prototype.forEach.call(form.elements, function (field) {
            field.disabled = false;
          });
        }, 0);
      });
    });
  }

  // The timeline is shown a page at a time: an entry named in the address's fragment
  // may be on another page. Its permalink (?entry=<id>) opens the page that holds it.
  function findEntryElsewhere() {
    var timeline = document.querySelector("[data-timeline-url]");
    var match = /^#entry-(\d{1,18})$/.exec(window.location.hash);
    if (!timeline || !match || document.getElementById("entry-" + match[1])) {
      return;
    }
    if (new URLSearchParams(window.location.search).get("entry") === match[1]) {
      return; // asked for already: the page says the entry is not on the timeline
    }
    window.location.replace(
      timeline.getAttribute("data-timeline-url") + "?entry=" + match[1] + match[0]
    );
  }

  function start() {
    findEntryElsewhere();
    lastVisit();
    dropEmptyFields();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
