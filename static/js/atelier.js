/* Atelier's small progressive enhancements. Every page works without this file. */
(function () {
  "use strict";

  function paintPlaceholders(root) {
    root.querySelectorAll("[data-ph]").forEach(function (el) {
      var c = el.getAttribute("data-ph");
      if (/^#[0-9a-fA-F]{6}$/.test(c)) el.style.backgroundColor = c;
    });
  }

  function autosubmit(root) {
    // A pointer's choice applies at once. The keyboard's arrows only browse the choices (in
    // Chromium each one fires "change"): they bring the Apply button back, and Enter applies.
    root.querySelectorAll("select[data-autosubmit]").forEach(function (sel) {
      var btn = sel.form.querySelector("button[type=submit]");
      var keyed = false;
      if (btn) btn.hidden = true;
      sel.addEventListener("pointerdown", function () { keyed = false; });
      sel.addEventListener("keydown", function (e) {
        if (e.key === "Enter") {
          e.preventDefault();
          sel.form.submit();
          return;
        }
        if (e.key !== "Tab") keyed = true;
      });
      sel.addEventListener("change", function () {
        if (keyed) {
          if (btn) btn.hidden = false;
          return;
        }
        sel.form.submit();
      });
    });
  }

  function share(root) {
    root.querySelectorAll("[data-share]").forEach(function (btn) {
      btn.addEventListener("click", function () {
        var url = btn.getAttribute("data-share");
        if (navigator.share) { navigator.share({ url: url }).catch(function () {}); return; }
        navigator.clipboard.writeText(url).then(function () {
          // Say it worked, then put the button back: a label stuck on "Link copied" reads as
          // a state, and a second click would seem to do nothing.
          if (!btn.hasAttribute("data-share-label")) btn.setAttribute("data-share-label", btn.textContent);
          btn.textContent = "Link copied";
          clearTimeout(btn.shareTimer);
          btn.shareTimer = setTimeout(function () { btn.textContent = btn.getAttribute("data-share-label"); }, 3000);
        });
      });
    });
  }

  function aiStages(root) {
    var box = root.querySelector("[data-ai-stages]");
    if (!box) return;
    var radios = root.querySelectorAll("[data-label-radio]");
    function sync() {
      var checked = root.querySelector("[data-label-radio]:checked");
      box.hidden = !(checked && checked.value === "ai-assisted");
    }
    radios.forEach(function (r) { r.addEventListener("change", sync); });
    sync();
  }

  function lightbox(root) {
    var box = root.querySelector(".lightbox");
    if (!box) return;
    var buttons = Array.prototype.slice.call(root.querySelectorAll("[data-lightbox-src]"));
    var img = box.querySelector("img"), caption = box.querySelector(".caption");
    var zoomIn = box.querySelector(".zoom-in"), zoomOut = box.querySelector(".zoom-out");
    var zoomReset = box.querySelector(".zoom-reset"), status = box.querySelector(".zoom-status");
    var index = 0, opener = null;
    // Zoom: `scale` is relative to the image fitted to the screen (1), `tx`/`ty` move it in CSS
    // pixels; one CSS transform shows both. The fitted size is fixed in pixels, so swapping in
    // the larger zoom copy (an artist's opt-in: data-lightbox-zoom) changes only the detail.
    var scale = 1, tx = 0, ty = 0, maxScale = 1, fitW = 0, fitH = 0, fullW = 0, fullH = 0;
    var zoomUrl = "", zoomWidth = 0, zoomState = "none", said = "";
    var pointers = {}, gesture = null, dragged = false;
    var STEP = 1.5, PAN = 80, SWIPE = 50;

    function viewport() { return { w: box.clientWidth, h: box.clientHeight }; }
    function apply(animate) {
      img.classList.toggle("animate", !!animate);
      img.style.transform = "translate(" + tx + "px, " + ty + "px) scale(" + scale + ")";
      box.classList.toggle("zoomed", scale > 1.001);
      // aria-disabled, not disabled: a disabled button would drop the focus it has (Reset,
      // once pressed) to the page behind the dialog.
      off(zoomOut, scale <= 1.001);
      off(zoomReset, scale <= 1.001 && tx === 0 && ty === 0);
      off(zoomIn, scale >= maxScale - 0.001);
    }
    function off(button, value) { button.setAttribute("aria-disabled", value ? "true" : "false"); }
    function usable(button) { return button.getAttribute("aria-disabled") !== "true"; }
    function announce() {
      var text = maxScale <= 1.001 ? "Shown at full size" : "Zoom " + Math.round(scale * 100) + "%";
      if (text !== said) { status.textContent = text; said = text; }
    }
    function clamp() {
      var v = viewport();
      var mx = Math.max(0, (fitW * scale - v.w) / 2), my = Math.max(0, (fitH * scale - v.h) / 2);
      tx = Math.min(mx, Math.max(-mx, tx));
      ty = Math.min(my, Math.max(-my, ty));
    }
    function centre() {
      // The image's centre in its layout, which transforms (and their transitions) never move:
      // the lightbox (position: fixed) is its offset parent.
      var b = box.getBoundingClientRect();
      return {
        x: b.left + box.clientLeft + img.offsetLeft + img.offsetWidth / 2,
        y: b.top + box.clientTop + img.offsetTop + img.offsetHeight / 2
      };
    }
    // Scale to `next` keeping the image point under (px, py) where it is on screen.
    function zoomAt(next, px, py, from) {
      from = from || { scale: scale, tx: tx, ty: ty, c: centre() };
      next = Math.min(maxScale, Math.max(1, next));
      var ux = (px - from.c.x - from.tx) / from.scale, uy = (py - from.c.y - from.ty) / from.scale;
      scale = next;
      tx = px - from.c.x - next * ux;
      ty = py - from.c.y - next * uy;
      clamp();
      needDetail();
    }
    function zoomBy(factor) {
      var v = box.getBoundingClientRect();
      zoomAt(scale * factor, v.left + v.width / 2, v.top + v.height / 2);
      apply(true);
      announce();
    }
    function reset(animate) { scale = 1; tx = 0; ty = 0; apply(animate); announce(); }
    function pan(dx, dy) { tx += dx; ty += dy; clamp(); apply(true); }
    // The zoom copy is fetched only once someone zooms past what the shown copy holds: most
    // visitors never zoom, and it can be several megabytes.
    function needDetail() {
      // Device pixels: a phone's screen shows two or three per CSS pixel.
      var shown = fitW * scale * (window.devicePixelRatio || 1);
      if (!zoomUrl || zoomState !== "none" || shown <= fullW) return;
      zoomState = "loading";
      var wanted = index, url = zoomUrl, pre = new Image();
      pre.onload = function () {
        if (wanted !== index || box.hidden) return;
        zoomState = "shown";
        img.src = url;
        img.setAttribute("data-source", "zoom");
      };
      pre.onerror = function () { if (wanted === index) zoomState = "failed"; };
      pre.src = url;
    }
    function fit() {
      // The full-size copy's own size, once it has loaded (the zoom copy's load changes nothing).
      if (img.getAttribute("data-source") !== "full" || !img.naturalWidth) return;
      fullW = img.naturalWidth; fullH = img.naturalHeight;
      layout();
    }
    function layout() {
      if (!fullW) return;
      var v = viewport();
      var k = Math.min(v.w * 0.94 / fullW, v.h * 0.88 / fullH, 1);
      fitW = Math.floor(fullW * k); fitH = Math.floor(fullH * k);
      img.style.width = fitW + "px";
      img.style.height = fitH + "px";
      // Up to one image pixel per CSS pixel of the largest copy this visitor may have.
      maxScale = Math.max(1, Math.max(zoomWidth, fullW) / fitW);
      reset(false);
    }
    function show(i) {
      index = (i + buttons.length) % buttons.length;
      var b = buttons[index];
      zoomUrl = b.getAttribute("data-lightbox-zoom") || "";
      zoomWidth = parseInt(b.getAttribute("data-lightbox-zoom-width"), 10) || 0;
      zoomState = "none"; maxScale = 1; fitW = fitH = fullW = fullH = 0;
      img.setAttribute("data-source", "full");
      img.style.width = ""; img.style.height = "";
      img.src = b.getAttribute("data-lightbox-full") || b.getAttribute("data-lightbox-src");
      img.alt = b.getAttribute("data-lightbox-alt") || "";
      caption.textContent = (index + 1) + " / " + buttons.length + (img.alt ? " — " + img.alt : "");
      reset(false);
      if (img.complete) fit();
    }
    img.addEventListener("load", fit);
    img.addEventListener("dragstart", function (e) { e.preventDefault(); });
    function close() { box.hidden = true; document.body.classList.remove("lightbox-open"); if (opener) opener.focus(); }
    buttons.forEach(function (b, i) {
      b.addEventListener("click", function () { opener = b; box.hidden = false; document.body.classList.add("lightbox-open"); show(i); box.querySelector(".close").focus(); });
    });
    box.querySelector(".close").addEventListener("click", close);
    box.querySelector(".prev").addEventListener("click", function () { show(index - 1); });
    box.querySelector(".next").addEventListener("click", function () { show(index + 1); });
    zoomIn.addEventListener("click", function () { if (usable(zoomIn)) zoomBy(STEP); });
    zoomOut.addEventListener("click", function () { if (usable(zoomOut)) zoomBy(1 / STEP); });
    zoomReset.addEventListener("click", function () { if (usable(zoomReset)) reset(true); });
    box.addEventListener("click", function (e) {
      // A drag that ends off the image is not a click on the backdrop.
      if (e.target === box && !dragged) close();
    });
    box.addEventListener("wheel", function (e) {
      if (maxScale <= 1.001) return;
      e.preventDefault();
      var dy = e.deltaMode === 1 ? e.deltaY * 16 : e.deltaMode === 2 ? e.deltaY * 400 : e.deltaY;
      zoomAt(scale * Math.exp(-dy / 300), e.clientX, e.clientY);
      apply(false);
      announce();
    }, { passive: false });
    img.addEventListener("dblclick", function (e) {
      if (scale > 1.001) reset(true);
      else { zoomAt(Math.min(2, maxScale), e.clientX, e.clientY); apply(true); announce(); }
    });

    // Pointers (mouse, pen, fingers): one drags a zoomed image, two pinch, and a finger
    // swiping sideways over an unzoomed image changes image. touch-action: none (the CSS)
    // keeps the browser's own scrolling and zooming out of the way.
    function ids() { return Object.keys(pointers); }
    function begin() {
      var list = ids().map(function (k) { return pointers[k]; });
      var from = { scale: scale, tx: tx, ty: ty, c: centre() };
      if (list.length >= 2) {
        var a = list[0], b = list[1];
        gesture = { kind: "pinch", from: from, d: Math.hypot(a.x - b.x, a.y - b.y) || 1 };
      } else if (list.length === 1) {
        var p = list[0];
        var kind = scale > 1.001 ? "pan" : p.type === "mouse" ? "none" : "swipe";
        gesture = { kind: kind, from: from, x: p.x, y: p.y };
      } else gesture = null;
    }
    box.addEventListener("pointerdown", function (e) {
      if (e.target.closest("button") || (e.pointerType === "mouse" && e.button !== 0)) return;
      if (ids().length === 0) dragged = false;
      pointers[e.pointerId] = { x: e.clientX, y: e.clientY, type: e.pointerType, held: false };
      begin();
    });
    box.addEventListener("mousedown", function (e) {
      // Pressing on the image or backdrop keeps the focus on the dialog's button it was on
      // (the image cannot take it; the page behind must not get it).
      if (!e.target.closest("button")) e.preventDefault();
    });
    box.addEventListener("pointermove", function (e) {
      var p = pointers[e.pointerId];
      if (!p || !gesture) return;
      p.x = e.clientX; p.y = e.clientY;
      if (!p.held) {
        // Captured once it moves, so a drag may leave the image; a plain click is left alone
        // (captured, its click would land on the backdrop and close the viewer).
        p.held = true;
        try { box.setPointerCapture(e.pointerId); } catch (err) { /* already released */ }
      }
      var g = gesture, list = ids().map(function (k) { return pointers[k]; });
      if (g.kind === "pinch" && list.length >= 2) {
        var a = list[0], b = list[1];
        var d = Math.hypot(a.x - b.x, a.y - b.y);
        zoomAt(g.from.scale * d / g.d, (a.x + b.x) / 2, (a.y + b.y) / 2, g.from);
        dragged = true;
        apply(false);
      } else if (g.kind === "pan") {
        if (Math.abs(p.x - g.x) + Math.abs(p.y - g.y) > 4) dragged = true;
        tx = g.from.tx + p.x - g.x; ty = g.from.ty + p.y - g.y;
        clamp();
        apply(false);
      } else if (g.kind === "swipe") {
        if (Math.abs(p.x - g.x) > 4) dragged = true;
        // The image follows the finger; it is put back or replaced when the finger lifts.
        img.classList.remove("animate");
        img.style.transform = "translate(" + (p.x - g.x) + "px, 0px) scale(1)";
      }
    });
    function end(e) {
      var p = pointers[e.pointerId];
      if (!p) return;
      delete pointers[e.pointerId];
      var g = gesture;
      if (g && g.kind === "swipe" && ids().length === 0) {
        var dx = p.x - g.x, dy = p.y - g.y;
        if (e.type === "pointerup" && buttons.length > 1 && Math.abs(dx) > SWIPE && Math.abs(dx) > 1.5 * Math.abs(dy)) {
          show(index + (dx < 0 ? 1 : -1));
        } else apply(true);
      }
      if (g && g.kind === "pinch") announce();
      begin();
    }
    box.addEventListener("pointerup", end);
    box.addEventListener("pointercancel", end);
    window.addEventListener("resize", function () { if (!box.hidden) layout(); });

    document.addEventListener("keydown", function (e) {
      if (box.hidden) return;
      var zoomed = scale > 1.001;
      if (e.key === "Tab") {
        // Keep focus inside the dialog (aria-modal) while it is open.
        var stops = Array.prototype.filter.call(box.querySelectorAll("button"), function (x) { return !x.hidden; });
        var first = stops[0], last = stops[stops.length - 1];
        if (e.shiftKey && document.activeElement === first) { e.preventDefault(); last.focus(); }
        else if (!e.shiftKey && document.activeElement === last) { e.preventDefault(); first.focus(); }
      }
      else if (e.key === "Escape") close();
      else if (e.key === "+" || e.key === "=") { e.preventDefault(); zoomBy(STEP); }
      else if (e.key === "-" || e.key === "_") { e.preventDefault(); zoomBy(1 / STEP); }
      else if (e.key === "0") { e.preventDefault(); reset(true); }
      else if (zoomed && e.key.indexOf("Arrow") === 0) {
        // Zoomed, the arrows move the view the way they point (the image the other way).
        e.preventDefault();
        if (e.key === "ArrowLeft") pan(PAN, 0);
        else if (e.key === "ArrowRight") pan(-PAN, 0);
        else if (e.key === "ArrowUp") pan(0, PAN);
        else if (e.key === "ArrowDown") pan(0, -PAN);
      }
      else if (e.key === "ArrowLeft") show(index - 1);
      else if (e.key === "ArrowRight") show(index + 1);
    });
    if (buttons.length < 2) { box.querySelector(".prev").hidden = true; box.querySelector(".next").hidden = true; }
  }

  function uploader(root) {
    var form = root.querySelector("form[data-upload]");
    if (!form || !window.DataTransfer) return;
    var input = form.querySelector("#images"), list = form.querySelector("[data-file-list]");
    var zone = form.querySelector("[data-dropzone]"), process = form.querySelector("#process_images");
    var button = form.querySelector("button[type=submit]");
    // "Post" and "Save as draft" are both submit buttons: both wait while one upload runs.
    var submits = Array.prototype.slice.call(form.querySelectorAll("button[type=submit]"));
    function setSubmitsDisabled(value) { submits.forEach(function (b) { b.disabled = value; }); }
    var notice = form.querySelector("[data-already-posted]");
    var maxBytes = parseInt(form.getAttribute("data-max-bytes"), 10) || 0;
    var maxFiles = parseInt(form.getAttribute("data-max-files"), 10) || 0;
    var types = (form.getAttribute("data-types") || "").split(",").filter(Boolean);
    var items = [];  // {file, alt}: the one list of chosen images; the input's FileList mirrors it
    var busy = false;
    var SPENT = "atelierUploadPosted";

    function toArray(x) { return Array.prototype.slice.call(x || []); }
    function size(n) { return n >= 1048576 ? (n / 1048576).toFixed(1) + " MB" : Math.ceil(n / 1024) + " KB"; }
    // The server checks again (bytes sniffed, pixels counted); this only spares a long upload
    // that would be refused anyway.
    function problem(file) {
      if (types.length && types.indexOf(file.type) < 0) return file.name + ": is not a JPEG, PNG, WebP or GIF image";
      if (maxBytes && file.size > maxBytes) return file.name + ": is " + size(file.size) + ", over the " + size(maxBytes) + " limit";
      return null;
    }

    function setFieldErrors(name, messages) {
      var box = form.querySelector('[data-field="' + name + '"]');
      if (!box) return false;
      toArray(box.children).forEach(function (c) { if (c.classList.contains("errors")) c.remove(); });
      box.classList.toggle("field-invalid", messages.length > 0);
      if (!messages.length) return true;
      var wrap = document.createElement("div"); wrap.className = "errors";
      var ul = document.createElement("ul"); ul.className = "errorlist";
      messages.forEach(function (m) { var li = document.createElement("li"); li.textContent = m; ul.append(li); });
      wrap.append(ul); box.append(wrap);
      return true;
    }
    function setTopErrors(messages) {
      var old = form.querySelector("#upload-errors");
      if (old) old.remove();
      if (!messages.length) return;
      var top = document.createElement("div");
      top.className = "form-errors"; top.id = "upload-errors"; top.tabIndex = -1; top.setAttribute("role", "alert");
      var strong = document.createElement("strong"); strong.textContent = "Nothing was uploaded:";
      var ul = document.createElement("ul");
      messages.forEach(function (m) { var li = document.createElement("li"); li.textContent = m; ul.append(li); });
      top.append(strong, ul);
      notice.after(top);
    }
    function clearErrors() {
      setTopErrors([]);
      form.querySelectorAll("[data-field]").forEach(function (box) { setFieldErrors(box.getAttribute("data-field"), []); });
    }
    function focusFirstError() {
      var first = form.querySelector("#upload-errors, .field-invalid");
      if (!first) return;
      first.scrollIntoView({ block: "start" });  // CSS scroll-margin-top keeps it below the header
      var target = first.id === "upload-errors" ? first
        : first.querySelector("input:not([type=hidden]), select, textarea") || first;
      if (target === first && !first.hasAttribute("tabindex")) first.tabIndex = -1;
      target.focus({ preventScroll: true });
    }

    // Every error of a refused upload gets shown: beside its field when the page has that field,
    // at the top of the form otherwise (and a plain message when the answer is not our page).
    function showServerErrors(html, status) {
      clearErrors();
      var loose = [];
      var fresh = new DOMParser().parseFromString(html || "", "text/html").querySelector("#upload-form");
      if (fresh) {
        fresh.querySelectorAll("#upload-errors li").forEach(function (li) { loose.push(li.textContent.trim()); });
        fresh.querySelectorAll(".errors").forEach(function (n) {
          var messages = toArray(n.querySelectorAll("li")).map(function (li) { return li.textContent.trim(); });
          if (!messages.length && n.textContent.trim()) messages = [n.textContent.trim()];
          var box = n.closest("[data-field]");
          var name = box && box.getAttribute("data-field");
          var mine = name && form.querySelector('[data-field="' + name + '"]');
          if (mine) setFieldErrors(name, messages);
          else loose = loose.concat(messages);
        });
      }
      if (!form.querySelector(".field-invalid") && !loose.length) {
        loose.push(status === 413 ? "The upload is too large for the server; send fewer or smaller files."
          : status === 403 ? "You were signed out or the page is out of date: reload it and try again."
          : status === 429 ? "Too many uploads just now; please wait a little and try again."
          : "Something went wrong on our side; please try again.");
      }
      setTopErrors(loose);
      focusFirstError();
    }

    // Kept in this history entry's state, which Back restores even when the page is fetched
    // anew with a fresh key (the POST to this URL evicted it from the HTTP cache).
    function spentUrl() {
      var state = window.history.state;
      return (state && state[SPENT]) || null;
    }
    // Back after posting brings this form back with its key spent: say so instead of posting.
    function showSpent() {
      var url = spentUrl();
      if (!url) return false;
      notice.querySelector("[data-already-posted-link]").href = url;
      notice.hidden = false; setSubmitsDisabled(true);
      notice.scrollIntoView({ block: "start" }); notice.focus({ preventScroll: true });
      return true;
    }

    function render() {
      list.querySelectorAll("img").forEach(function (im) { URL.revokeObjectURL(im.src); });
      list.innerHTML = "";
      items.forEach(function (item, i) {
        var li = document.createElement("li");
        var thumb = document.createElement("img");
        thumb.src = URL.createObjectURL(item.file); thumb.alt = "";
        var mid = document.createElement("div");
        var name = document.createElement("div"); name.className = "small"; name.textContent = (i === 0 ? "Cover · " : "") + item.file.name;
        var label = document.createElement("label"); label.className = "visually-hidden"; label.htmlFor = "alt-" + i; label.textContent = "Alt text for " + item.file.name;
        var alt = document.createElement("input"); alt.type = "text"; alt.name = "alt_text"; alt.id = "alt-" + i; alt.placeholder = "Describe this image (alt text)"; alt.value = item.alt; alt.maxLength = 500;
        alt.addEventListener("input", function () { item.alt = alt.value; });
        mid.append(name, label, alt);
        var order = document.createElement("div"); order.className = "order";
        [["↑", -1, "Move up"], ["↓", 1, "Move down"], ["✕", 0, "Remove"]].forEach(function (spec) {
          var b = document.createElement("button"); b.type = "button"; b.className = "button button-small"; b.textContent = spec[0];
          b.setAttribute("aria-label", spec[2] + " " + item.file.name);
          b.addEventListener("click", function () {
            if (spec[1] === 0) items.splice(i, 1);
            else { var j = i + spec[1]; if (j < 0 || j >= items.length) return; var t = items[i]; items[i] = items[j]; items[j] = t; }
            sync(); render();
          });
          order.append(b);
        });
        li.append(thumb, mid, order);
        list.append(li);
      });
    }
    function sync() {
      var dt = new DataTransfer();
      items.forEach(function (item) { dt.items.add(item.file); });
      input.files = dt.files;
    }
    function same(a, b) { return a === b || (a.name === b.name && a.size === b.size && a.lastModified === b.lastModified); }
    // Each pick or drop adds to the list (a second batch never replaces the first); files the
    // server would refuse are named beside the picker and left out.
    function add(files) {
      var refused = [];
      toArray(files).forEach(function (f) {
        if (items.some(function (it) { return same(it.file, f); })) return;
        var why = problem(f);
        if (why) refused.push(why);
        else if (maxFiles && items.length >= maxFiles) refused.push(f.name + ": at most " + maxFiles + " images per post");
        else items.push({ file: f, alt: "" });
      });
      setFieldErrors("images", refused);
      sync(); render();
      if (refused.length) focusFirstError();
    }
    input.addEventListener("change", function () { add(input.files); });
    ["dragenter", "dragover"].forEach(function (ev) { zone.addEventListener(ev, function (e) { e.preventDefault(); zone.classList.add("dragover"); }); });
    ["dragleave", "drop"].forEach(function (ev) { zone.addEventListener(ev, function (e) { e.preventDefault(); zone.classList.remove("dragover"); }); });
    zone.addEventListener("drop", function (e) { add(e.dataTransfer.files); });
    function checkProcess() {
      var refused = toArray(process && process.files).map(problem).filter(Boolean);
      setFieldErrors("process_images", refused);
      if (refused.length) { process.value = ""; focusFirstError(); }
      return !refused.length;
    }
    if (process) process.addEventListener("change", checkProcess);

    // A form the browser restored (Back) may hold files that the list does not show yet.
    function restore() {
      if (!items.length && input.files.length) add(input.files);
      if (!showSpent() && !busy) setSubmitsDisabled(false);
    }
    window.addEventListener("pageshow", function (e) { if (e.persisted) busy = false; restore(); });

    form.addEventListener("submit", function (e) {
      e.preventDefault();
      // One upload at a time: a double click's second submit finds the button disabled.
      if (busy || showSpent()) return;
      var refused = items.map(function (it) { return problem(it.file); }).filter(Boolean);
      if (refused.length || !checkProcess()) { setFieldErrors("images", refused); focusFirstError(); return; }
      busy = true; setSubmitsDisabled(true); button.setAttribute("aria-busy", "true");
      function done() { busy = false; setSubmitsDisabled(false); button.removeAttribute("aria-busy"); }
      var bar = form.querySelector("[data-progress]"), text = form.querySelector("[data-progress-text]");
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action || window.location.href);
      xhr.upload.addEventListener("progress", function (ev) {
        if (!ev.lengthComputable) return;
        bar.hidden = false; bar.value = Math.round(100 * ev.loaded / ev.total);
        text.textContent = bar.value < 100 ? "Uploading… " + bar.value + "%" : "Checking your files…";
      });
      xhr.addEventListener("load", function () {
        if (xhr.status < 400 && xhr.responseURL && xhr.responseURL.indexOf(window.location.pathname) === -1) {
          var state = Object.assign({}, window.history.state);
          state[SPENT] = xhr.responseURL;
          window.history.replaceState(state, "");
          window.location = xhr.responseURL;
          return;
        }
        done(); bar.hidden = true; text.textContent = "";
        showServerErrors(xhr.responseText, xhr.status);
      });
      xhr.addEventListener("error", function () {
        done(); bar.hidden = true; text.textContent = "";
        clearErrors(); setTopErrors(["The upload was interrupted. Check your connection and try again."]); focusFirstError();
      });
      var data = new FormData(form);
      // The button pressed ("Post" or "Save as draft") is part of the form, as without JS.
      if (e.submitter && e.submitter.name) data.append(e.submitter.name, e.submitter.value);
      xhr.send(data);
    });
    restore();
  }

  // Mature work blurred behind a click. The control is a link to the artwork page with
  // ?mature=show, so it works without this file; here it acts as a button (Enter or Space)
  // that uncovers the card or the page's images in place and moves focus to what it uncovered.
  function matureButtons(root) {
    root.querySelectorAll("[data-mature-reveal]").forEach(function (el) { el.setAttribute("role", "button"); });
  }
  function matureReveal(control) {
    var box = control.closest("[data-mature]");
    if (!box) return false;
    box.removeAttribute("data-mature");
    box.classList.remove("mature-card");
    box.classList.add("mature-revealed");
    box.querySelectorAll("[inert]").forEach(function (el) { el.removeAttribute("inert"); });
    (control.closest(".mature-notice") || control).remove();
    var target = box.querySelector("a[href], button");
    if (target) target.focus();
    return true;
  }
  document.addEventListener("click", function (e) {
    var control = e.target.closest ? e.target.closest("[data-mature-reveal]") : null;
    if (control && matureReveal(control)) e.preventDefault();
  });
  document.addEventListener("keydown", function (e) {
    if (e.key !== " " || !e.target.matches || !e.target.matches("[data-mature-reveal]")) return;
    e.preventDefault();
    matureReveal(e.target);
  });
  document.addEventListener("DOMContentLoaded", function () { matureButtons(document); });
  document.addEventListener("htmx:afterSwap", function (e) { matureButtons(e.target.parentNode || document); });

  // The edit page's image lists: drag a row to reorder (the up/down buttons do the same
  // without a mouse or without this file). A drop posts the kind's whole new order, as the
  // buttons' form would, and the page comes back from the server.
  function dragReorder(root) {
    root.querySelectorAll("ol[data-reorder]").forEach(function (list) {
      var dragged = null;
      list.querySelectorAll("li").forEach(function (li) {
        li.draggable = true;
        li.addEventListener("dragstart", function (e) {
          dragged = li; e.dataTransfer.effectAllowed = "move"; e.dataTransfer.setData("text/plain", li.dataset.imageId);
        });
        li.addEventListener("dragover", function (e) { if (dragged) e.preventDefault(); });
        li.addEventListener("drop", function (e) {
          e.preventDefault();
          if (!dragged || dragged === li) return;
          var rows = Array.prototype.slice.call(list.children);
          list.insertBefore(dragged, rows.indexOf(dragged) < rows.indexOf(li) ? li.nextSibling : li);
          dragged = null;
          var form = document.createElement("form");
          form.method = "post"; form.action = list.dataset.reorderUrl; form.hidden = true;
          function field(name, value) {
            var input = document.createElement("input");
            input.type = "hidden"; input.name = name; input.value = value; form.appendChild(input);
          }
          field("csrfmiddlewaretoken", list.querySelector("[name=csrfmiddlewaretoken]").value);
          field("kind", list.dataset.reorder);
          list.querySelectorAll("li").forEach(function (row) { field("order", row.dataset.imageId); });
          document.body.appendChild(form);
          form.submit();
        });
      });
    });
  }

  function init(root) { paintPlaceholders(root); }
  document.addEventListener("DOMContentLoaded", function () {
    init(document); autosubmit(document); share(document); aiStages(document); lightbox(document); uploader(document);
    dragReorder(document);
  });
  document.addEventListener("htmx:afterSwap", function (e) { init(e.target.parentNode || document); });
})();

// Comment forms (community) come back refused with their real status (400, 403, 429) and
// HX-Retarget naming the form: htmx leaves error answers unswapped unless told, so a form
// marked data-swap-errors shows its message where the member typed.
document.addEventListener("htmx:beforeSwap", function (e) {
  // The element that sent the request (detail.elt is the swap target, e.g. the list).
  var elt = e.detail.requestConfig && e.detail.requestConfig.elt;
  if (e.detail.xhr.status >= 400 && e.detail.xhr.status < 500 && elt && elt.closest && elt.closest("[data-swap-errors]")) {
    e.detail.shouldSwap = true;
    e.detail.isError = false;
  }
});
