// 支部通 · meetings: small behaviours of the meeting and vote forms (no inline scripts, CSP).
// Everything works without this file; it only hides inputs that do not apply.
(function () {
  "use strict";

  // The reason input of an attendance row is shown only when 请假 is chosen (or a reason is already there).
  function syncRow(row, changed) {
    const reason = row.querySelector("[data-leave-reason]");
    if (!reason) return;
    const leave = row.querySelector('input[type="radio"][value="leave"]');
    const input = reason.querySelector("input");
    const show = (leave && leave.checked) || (input && input.value.trim() !== "");
    reason.classList.toggle("d-none", !show);
    if (changed && changed === leave && leave.checked && input) input.focus();
  }

  // The written-opinion counts apply only to admitting and confirming members; the subject not to 其他事项.
  function syncResolution(form) {
    const checked = form.querySelector('input[name="kind"]:checked');
    const kind = checked ? checked.value : "";
    form.querySelectorAll("[data-only-members]").forEach(function (el) {
      el.classList.toggle("d-none", kind === "other");
    });
  }

  function syncAll(root) {
    root.querySelectorAll("[data-att-row]").forEach(function (row) {
      syncRow(row, null);
    });
    root.querySelectorAll("[data-resolution-form]").forEach(syncResolution);
  }

  document.addEventListener("change", function (event) {
    const row = event.target.closest("[data-att-row]");
    if (row) syncRow(row, event.target);
    const form = event.target.closest("[data-resolution-form]");
    if (form) syncResolution(form);
  });

  document.addEventListener("DOMContentLoaded", function () {
    syncAll(document);
  });
  // The attendance list is replaced when the date changes (htmx).
  document.addEventListener("htmx:afterSwap", function () {
    syncAll(document);
  });
})();
