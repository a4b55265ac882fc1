// korus-watch: marks the changes detected since this browser last showed the timeline. The newest change id it
// showed is kept in this browser's localStorage and nowhere else (no cookie; the server stores nothing). Without
// JavaScript or storage nothing is marked, and the timeline reads the same.
(function () {
  "use strict";
  var KEY = "korus-watch:newest-change-seen";
  var seen, newest = 0;
  try {
    seen = parseInt(window.localStorage.getItem(KEY) || "", 10);
  } catch (error) {
    return; // storage refused (a browser setting): mark nothing
  }
  document.querySelectorAll("li.event[data-event-id]").forEach(function (item) {
    var id = parseInt(item.getAttribute("data-event-id"), 10);
    newest = Math.max(newest, id);
    // A first visit marks nothing: everything would be new.
    if (!isNaN(seen) && id > seen) {
      var label = document.createElement("span");
      label.className = "unseen-label";
      label.textContent = "new since your last visit";
      item.classList.add("unseen");
      item.insertBefore(label, item.firstChild);
    }
  });
  if (newest > 0 && (isNaN(seen) || newest > seen)) {
    try {
      window.localStorage.setItem(KEY, String(newest));
    } catch (error) {
      // storage full or refused: the next visit marks from the older id
    }
  }
})();
