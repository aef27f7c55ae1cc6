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
    root.querySelectorAll("select[data-autosubmit]").forEach(function (sel) {
      sel.addEventListener("change", function () { sel.form.submit(); });
      var btn = sel.form.querySelector("button[type=submit]");
      if (btn) btn.hidden = true;
    });
  }

  function share(root) {
    root.querySelectorAll("[data-share]").forEach(function (btn) {
      btn.addEventListener("click", function () {
        var url = btn.getAttribute("data-share");
        if (navigator.share) { navigator.share({ url: url }).catch(function () {}); return; }
        navigator.clipboard.writeText(url).then(function () { btn.textContent = "Link copied"; });
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
    var index = 0, opener = null;
    function show(i) {
      index = (i + buttons.length) % buttons.length;
      var b = buttons[index];
      img.src = b.getAttribute("data-lightbox-full") || b.getAttribute("data-lightbox-src");
      img.alt = b.getAttribute("data-lightbox-alt") || "";
      caption.textContent = (index + 1) + " / " + buttons.length + (img.alt ? " — " + img.alt : "");
    }
    function close() { box.hidden = true; document.body.classList.remove("lightbox-open"); if (opener) opener.focus(); }
    buttons.forEach(function (b, i) {
      b.addEventListener("click", function () { opener = b; box.hidden = false; document.body.classList.add("lightbox-open"); show(i); box.querySelector(".close").focus(); });
    });
    box.querySelector(".close").addEventListener("click", close);
    box.querySelector(".prev").addEventListener("click", function () { show(index - 1); });
    box.querySelector(".next").addEventListener("click", function () { show(index + 1); });
    box.addEventListener("click", function (e) { if (e.target === box) close(); });
    document.addEventListener("keydown", function (e) {
      if (box.hidden) return;
      if (e.key === "Tab") {
        // Keep focus inside the dialog (aria-modal) while it is open.
        var stops = Array.prototype.filter.call(box.querySelectorAll("button"), function (x) { return !x.hidden; });
        var first = stops[0], last = stops[stops.length - 1];
        if (e.shiftKey && document.activeElement === first) { e.preventDefault(); last.focus(); }
        else if (!e.shiftKey && document.activeElement === last) { e.preventDefault(); first.focus(); }
      }
      else if (e.key === "Escape") close();
      else if (e.key === "ArrowLeft") show(index - 1);
      else if (e.key === "ArrowRight") show(index + 1);
    });
    if (buttons.length < 2) { box.querySelector(".prev").hidden = true; box.querySelector(".next").hidden = true; }
  }

  function uploader(root) {
    var form = root.querySelector("form[data-upload]");
    if (!form || !window.DataTransfer) return;
    var input = form.querySelector("#images"), list = form.querySelector("[data-file-list]");
    var zone = form.querySelector("[data-dropzone]");
    var items = [];  // {file, alt}

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
    function add(files) {
      Array.prototype.forEach.call(files, function (f) { items.push({ file: f, alt: "" }); });
      sync(); render();
    }
    input.addEventListener("change", function () {
      var fresh = Array.prototype.slice.call(input.files).filter(function (f) {
        return !items.some(function (it) { return it.file === f; });
      });
      items = items.filter(function (it) { return Array.prototype.indexOf.call(input.files, it.file) >= 0; });
      add(fresh);
    });
    ["dragenter", "dragover"].forEach(function (ev) { zone.addEventListener(ev, function (e) { e.preventDefault(); zone.classList.add("dragover"); }); });
    ["dragleave", "drop"].forEach(function (ev) { zone.addEventListener(ev, function (e) { e.preventDefault(); zone.classList.remove("dragover"); }); });
    zone.addEventListener("drop", function (e) { add(e.dataTransfer.files); });

    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var bar = form.querySelector("[data-progress]"), text = form.querySelector("[data-progress-text]");
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action || window.location.href);
      xhr.upload.addEventListener("progress", function (ev) {
        if (!ev.lengthComputable) return;
        bar.hidden = false; bar.value = Math.round(100 * ev.loaded / ev.total);
        text.textContent = bar.value < 100 ? "Uploading… " + bar.value + "%" : "Checking your files…";
      });
      xhr.addEventListener("load", function () {
        if (xhr.responseURL && xhr.responseURL.indexOf(window.location.pathname) === -1) { window.location = xhr.responseURL; return; }
        var doc = new DOMParser().parseFromString(xhr.responseText, "text/html");
        var fresh = doc.querySelector("#main");
        if (fresh) {
          var errors = fresh.querySelector("#upload-errors");
          var old = form.querySelector("#upload-errors");
          if (old) old.remove();
          form.querySelectorAll(".errors").forEach(function (n) { n.remove(); });
          fresh.querySelectorAll(".field .errors, fieldset .errors").forEach(function (n) {
            var field = n.closest(".field, fieldset"); var label = field && field.querySelector("label, legend");
            var target = label && form.querySelector("[for='" + label.getAttribute("for") + "']");
            if (target) target.closest(".field, fieldset").append(n);
          });
          if (errors) { form.prepend(errors); errors.scrollIntoView(); errors.focus && errors.focus(); }
        }
        bar.hidden = true; text.textContent = xhr.status >= 500 ? "Something went wrong; please try again." : "";
      });
      xhr.addEventListener("error", function () { text.textContent = "The upload was interrupted. Check your connection and try again."; });
      xhr.send(new FormData(form));
    });
  }

  function init(root) { paintPlaceholders(root); }
  document.addEventListener("DOMContentLoaded", function () {
    init(document); autosubmit(document); share(document); aiStages(document); lightbox(document); uploader(document);
  });
  document.addEventListener("htmx:afterSwap", function (e) { init(e.target.parentNode || document); });
})();
