// A "Print" button (data-print) opens the browser's print dialog. A file of its own, loaded only
// by the pages that print, because the Content-Security-Policy allows no inline handler.
"use strict";

document.addEventListener("click", (event) => {
  if (event.target instanceof Element && event.target.closest("[data-print]")) {
    window.print();
  }
});
