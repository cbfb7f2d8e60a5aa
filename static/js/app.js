// Page behaviour that htmx attributes alone cannot express. It lives here, in a static file,
// because the Content-Security-Policy allows no inline handler (onsubmit, hx-on) and no eval
// (hx-vals "js:", hx-trigger filters): htmx runs with allowEval off (base.html).
"use strict";

// Scan forms (data-scan-form): a barcode scanner types a code and presses Enter, often faster
// than the answer comes back. On submit the code is taken from the box into the event and the
// box is cleared at once, keeping focus; an empty Enter sends nothing. htmx keeps the event
// with each request that hx-sync="this:queue all" holds back, so every queued scan sends its
// own code when it finally leaves.
document.addEventListener(
  "submit",
  (event) => {
    const form = event.target;
    if (!window.htmx || !(form instanceof HTMLFormElement) || !form.matches("[data-scan-form]")) {
      return;
    }
    const box = form.elements.namedItem("code");
    const code = box.value.trim();
    box.value = "";
    if (!code) {
      event.preventDefault();
      event.stopImmediatePropagation();
      return;
    }
    event.scanCode = code;
  },
  // Capture: runs before htmx's own submit listener on the form.
  true,
);

document.addEventListener("htmx:configRequest", (event) => {
  const scanCode = event.detail.triggeringEvent && event.detail.triggeringEvent.scanCode;
  if (scanCode && event.target.matches("[data-scan-form]")) {
    event.detail.parameters.code = scanCode;
  }
});

// data-swap-conflict: htmx 2 does not swap 4xx responses, but a stale decision (409) answers
// with the row and its message, which should replace the row like a success does.
document.addEventListener("htmx:beforeSwap", (event) => {
  if (event.detail.xhr.status === 409 && event.target.closest("[data-swap-conflict]")) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});
