// The signature pad of the hand-out screen: a <canvas> drawn on with pointer events (finger,
// stylus or mouse). Each finished stroke stores the drawing as a PNG data URL in the form's
// hidden "signature" input; Clear empties both. A file of its own, loaded by the hand-out page
// only, because the Content-Security-Policy allows no inline script.
"use strict";

(() => {
  function setUp(pad) {
    if (pad.dataset.ready) {
      return;
    }
    pad.dataset.ready = "1";
    const canvas = pad.querySelector("[data-signature-canvas]");
    const input = pad.querySelector("[data-signature-input]");
    const state = pad.querySelector("[data-signature-state]");
    const form = pad.closest("form");
    const ratio = window.devicePixelRatio || 1;
    const box = canvas.getBoundingClientRect();
    canvas.width = Math.max(50, Math.round(box.width * ratio));
    canvas.height = Math.max(50, Math.round(box.height * ratio));
    const ctx = canvas.getContext("2d");
    ctx.scale(ratio, ratio);
    ctx.lineWidth = 2.5;
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    ctx.strokeStyle = "#111";
    let drawing = false;
    let last = null;

    function say(text) {
      if (state) {
        state.textContent = text;
      }
    }

    function point(event) {
      const rect = canvas.getBoundingClientRect();
      return { x: event.clientX - rect.left, y: event.clientY - rect.top };
    }

    // Choosing "signed on paper" makes the pad unnecessary; signing picks the student by default.
    function signer() {
      return form ? form.querySelector("input[name=signed_by]:checked") : null;
    }

    // A drawing kept from a refused attempt comes back with the form: show it again.
    if (input.value) {
      const image = new Image();
      image.addEventListener("load", () => ctx.drawImage(image, 0, 0, box.width, box.height));
      image.src = input.value;
      say("Signed. Clear to sign again.");
    }

    canvas.addEventListener("pointerdown", (event) => {
      event.preventDefault();
      canvas.setPointerCapture(event.pointerId);
      drawing = true;
      last = point(event);
      ctx.beginPath();
      ctx.arc(last.x, last.y, ctx.lineWidth / 2, 0, Math.PI * 2);
      ctx.fillStyle = ctx.strokeStyle;
      ctx.fill();
    });
    canvas.addEventListener("pointermove", (event) => {
      if (!drawing) {
        return;
      }
      const next = point(event);
      ctx.beginPath();
      ctx.moveTo(last.x, last.y);
      ctx.lineTo(next.x, next.y);
      ctx.stroke();
      last = next;
    });
    function finish() {
      if (!drawing) {
        return;
      }
      drawing = false;
      input.value = canvas.toDataURL("image/png");
      const chosen = signer();
      if (form && (!chosen || chosen.value === "paper")) {
        const student = form.querySelector("input[name=signed_by][value=student]");
        if (student) {
          student.checked = true;
        }
      }
      say("Signed. Clear to sign again.");
    }
    canvas.addEventListener("pointerup", finish);
    canvas.addEventListener("pointercancel", finish);
    pad.querySelector("[data-signature-clear]").addEventListener("click", () => {
      ctx.clearRect(0, 0, canvas.width, canvas.height);
      input.value = "";
      say("Sign above, then choose who signed.");
    });
  }

  function setUpAll(root) {
    for (const pad of root.querySelectorAll("[data-signature-pad]")) {
      setUp(pad);
    }
  }

  document.addEventListener("DOMContentLoaded", () => setUpAll(document));
  // The pad arrives with the hand-out form's last step, swapped in by htmx.
  document.addEventListener("htmx:load", (event) => setUpAll(event.detail.elt));
})();
