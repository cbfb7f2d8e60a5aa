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

// Every failure is shown. htmx 2 swaps no 4xx/5xx response by itself, so without this a refusal
// (a 409 "not enough stock", a 403, a 500) would leave the screen as it was, saying nothing.
// - A fragment answered with 400, 409 or 422 is the form or row re-rendered with its message
//   beside the field at fault: it replaces the old one, as a success would.
// - Anything else (a full error page, an empty body) leaves the page alone and puts the message
//   in place: at the top of the form that was sent, or in the page's messages.
const SWAP_ERROR_FRAGMENTS = new Set([400, 409, 422]);

function isFullPage(text) {
  return /^\s*<!doctype/i.test(text) || /<html[\s>]/i.test(text);
}

function messageForStatus(status) {
  if (status === 0) {
    return "Could not reach FleetDesk: check the connection and try again. Nothing was saved.";
  }
  if (status === 403) {
    return "You may not do this: your role does not allow it. Nothing was saved.";
  }
  if (status === 404) {
    return "Not found: it may have been removed. Reload the page. Nothing was saved.";
  }
  if (status === 409) {
    return "Someone changed this in the meantime. Reload the page and try again; nothing was saved.";
  }
  if (status === 413) {
    return "That is too large to send. Nothing was saved.";
  }
  if (status === 429) {
    return "Too many requests: wait a minute and try again. Nothing was saved.";
  }
  if (status === 503) {
    return "FleetDesk is busy or a service is down: try again in a minute. Nothing was saved.";
  }
  return "Something went wrong, nothing was saved. Try again; if it keeps failing, tell your IT administrator.";
}

function messageFromResponse(text, status) {
  if (text && text.trim()) {
    const doc = new DOMParser().parseFromString(text, "text/html");
    const found = doc.querySelector("[data-error-message]") || doc.querySelector("[role=alert]");
    if (found && found.textContent.trim()) {
      return found.textContent.trim().replace(/\s+/g, " ");
    }
    if (!isFullPage(text) && text.length < 300 && !/[<>]/.test(text)) {
      return text.trim();
    }
  }
  return messageForStatus(status);
}

function alertElement(level, text) {
  const box = document.createElement("div");
  box.className = `alert alert-${level} alert-dismissible fade show`;
  box.setAttribute("role", level === "danger" || level === "warning" ? "alert" : "status");
  box.append(document.createTextNode(text));
  const close = document.createElement("button");
  close.type = "button";
  close.className = "btn-close";
  close.setAttribute("data-bs-dismiss", "alert");
  close.setAttribute("aria-label", "Dismiss");
  box.append(close);
  return box;
}

function showMessage(level, text, near) {
  const form = near && near.closest ? near.closest("form") : null;
  const alert = alertElement(level, text);
  if (form && level === "danger") {
    alert.classList.add("htmx-error");
    const old = form.querySelector(":scope > .htmx-error");
    if (old) {
      old.remove();
    }
    form.prepend(alert);
  } else {
    const region = document.getElementById("messages");
    if (!region) {
      return;
    }
    region.append(alert);
  }
  if (alert.scrollIntoView) {
    alert.scrollIntoView({ block: "nearest" });
  }
}

document.addEventListener("htmx:beforeSwap", (event) => {
  const xhr = event.detail.xhr;
  if (xhr.status < 400) {
    return;
  }
  const text = xhr.responseText || "";
  const inConflictZone = xhr.status === 409 && event.target.closest("[data-swap-conflict]");
  if (inConflictZone || (SWAP_ERROR_FRAGMENTS.has(xhr.status) && text.trim() && !isFullPage(text))) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});

document.addEventListener("htmx:responseError", (event) => {
  const xhr = event.detail.xhr;
  showMessage("danger", messageFromResponse(xhr.responseText, xhr.status), event.detail.elt);
});

document.addEventListener("htmx:sendError", (event) => {
  showMessage("danger", messageForStatus(0), event.detail.elt);
});

document.addEventListener("htmx:timeout", (event) => {
  showMessage("danger", messageForStatus(0), event.detail.elt);
});

// A success answered to htmx carries its messages in the HX-Trigger header (core.middleware
// .HtmxMessagesMiddleware): {"messages": [{"level": "success", "text": "..."}]}.
document.addEventListener("messages", (event) => {
  const items = (event.detail && event.detail.value) || [];
  for (const item of items) {
    showMessage(item.level || "info", item.text, null);
  }
});

// After a swap, the first field at fault takes the focus, so a keyboard or screen-reader user
// lands on what to fix; a swapped-in scan box keeps it.
// (After settling: htmx restores the focus it had before the swap, which would undo this.)
document.addEventListener("htmx:afterSettle", (event) => {
  let scope = event.detail.target;
  // An outerHTML swap replaced the target: look in its successor (same id).
  if (!scope.isConnected) {
    scope = (scope.id && document.getElementById(scope.id)) || document.getElementById("main");
  }
  if (!scope) {
    return;
  }
  const invalid = scope.querySelector(".is-invalid, [aria-invalid=true]");
  if (invalid && invalid.focus) {
    invalid.focus();
  }
});

// A table too wide for the screen scrolls inside its box (.table-responsive). A keyboard user
// must be able to scroll it too: such a box becomes focusable, named after its table (WCAG 2.1.1).
function makeScrollBoxesFocusable(root) {
  for (const box of root.querySelectorAll(".table-responsive")) {
    if (box.scrollWidth > box.clientWidth + 1) {
      if (!box.hasAttribute("tabindex")) {
        box.setAttribute("tabindex", "0");
        box.setAttribute("role", "region");
        const table = box.querySelector("table");
        const caption = table && table.querySelector("caption");
        const name = (table && table.getAttribute("aria-label")) || (caption && caption.textContent.trim());
        box.setAttribute("aria-label", name ? `${name} (scrolls sideways)` : "Table (scrolls sideways)");
      }
    } else if (box.getAttribute("role") === "region" && box.getAttribute("tabindex") === "0") {
      box.removeAttribute("tabindex");
      box.removeAttribute("role");
      box.removeAttribute("aria-label");
    }
  }
}

document.addEventListener("DOMContentLoaded", () => makeScrollBoxesFocusable(document));
window.addEventListener("resize", () => makeScrollBoxesFocusable(document));
document.addEventListener("htmx:afterSettle", () => makeScrollBoxesFocusable(document));
