// Review page keys: Enter files the item as shown (one keystroke), → / ← move
// through the queue. Keys typed into a field keep their usual meaning.
(function () {
  "use strict";
  const form = document.getElementById("review-form");
  if (!form) return;
  let sent = false;
  form.addEventListener("submit", function (e) {
    if (sent) { e.preventDefault(); return; }
    sent = true;
    document.getElementById("confirm").disabled = true;
  });
  document.addEventListener("keydown", function (e) {
    if (e.altKey || e.ctrlKey || e.metaKey || e.isComposing) return;
    const tag = (e.target && e.target.tagName) || "";
    const inField = tag === "INPUT" || tag === "SELECT" || tag === "TEXTAREA";
    if (e.key === "Enter" && !inField && tag !== "BUTTON" && tag !== "A") {
      e.preventDefault();
      form.requestSubmit();
    } else if (!inField && e.key === "ArrowRight") {
      const next = document.getElementById("next-link");
      if (next) window.location = next.href;
    } else if (!inField && e.key === "ArrowLeft") {
      const prev = document.getElementById("prev-link");
      if (prev) window.location = prev.href;
    }
  });
})();
